"""Configuration in one place: every variable read by Settings.from_env, documented in the README."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping

import pytest

from bot.security.limits import TicketAllowance
from bot.services import Services
from bot.settings import (
    PROJECT_ROOT,
    VARIABLES,
    InsecureKey,
    Settings,
    SmtpServer,
    configuration_table,
)

#: Python files that may still read the environment themselves, and why.
READS_ENVIRONMENT = {
    "bot/settings.py": "the one place settings are read",
    "bot/nlp.py": "sets TensorFlow's own TF_CPP_MIN_LOG_LEVEL before importing it (a write)",
}
#: Caches of pure functions or of the project's own read-only files: never of a setting.
PURE_CACHES = {
    "bot/diagnosis/envelope.py": "parsed Xero envelopes, per text",
    "bot/diagnosis/normalise.py": "normalised text, per text",
    "bot/hours.py": "bank holidays per year; desk.yml parsed per (file, mtime, size)",
    "bot/kb/value_kinds.py": "the value-kind registry, per file path",
    "bot/support/report.py": "the report's Jinja2 environment and stylesheet (package files)",
}
SCANNED = ("bot", "actions", "channels", "components", "web", "rasa_sdk_plugins")


class Recording(Mapping[str, str]):
    """An environment that remembers which variables were asked for."""

    def __init__(self, values: dict[str, str]) -> None:
        self.values, self.asked = values, set()

    def __getitem__(self, name: str) -> str:
        self.asked.add(name)
        return self.values[name]

    def __iter__(self) -> Iterator[str]:
        raise AssertionError("Settings must ask for its variables by name")

    def __len__(self) -> int:
        return len(self.values)


def documented_names(*, python: bool) -> set[str]:
    names = set()
    for variable in VARIABLES:
        if (variable.script is None) == python:
            first, *rest = variable.name.split(" / ")
            names |= {first, *(first + suffix for suffix in rest)}
    return names


def test_settings_read_exactly_the_documented_variables():
    environment = Recording({})
    Settings.from_env(environment)
    assert environment.asked == documented_names(python=True)


def test_the_variables_only_scripts_read_are_read_there():
    for variable in VARIABLES:
        if variable.script is not None:
            assert variable.name in (PROJECT_ROOT / variable.script).read_text(), variable


def test_the_readme_configuration_table_is_the_settings_table():
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Configuration") :]
    section = section[: section.index("\n## ", 1)]
    table = "\n".join(line for line in section.splitlines() if line.startswith("|"))
    assert table == configuration_table(), (
        "run: python -c 'import bot.settings as s; "
        "print(s.configuration_table())' and paste it into the README"
    )


def _python_files() -> Iterator[tuple[str, str]]:
    for folder in SCANNED:
        for path in sorted((PROJECT_ROOT / folder).rglob("*.py")):
            if "node_modules" not in path.parts:
                yield str(path.relative_to(PROJECT_ROOT)), path.read_text(encoding="utf-8")


def test_nothing_else_reads_the_environment():
    readers = {
        name for name, text in _python_files() if re.search(r"\bos\.environ\b|\bgetenv\(", text)
    }
    assert readers <= set(READS_ENVIRONMENT), readers - set(READS_ENVIRONMENT)


def test_no_settings_behind_an_lru_cache():
    cached = {
        name for name, text in _python_files() if re.search(r"lru_cache|functools\.cache\b", text)
    }
    assert cached <= set(PURE_CACHES), cached - set(PURE_CACHES)


def test_settings_are_values_one_per_environment():
    environment = {
        "SYNCDESK_DB_URL": "sqlite:///x.db",
        "SYNCDESK_SMTP_URL": "smtp://bot%40desk.example:pa55word@mail.example:2525",
        "BOT_API_TOKEN": "t0ken-value",
    }
    first, again = Settings.from_env(environment), Settings.from_env(environment)
    assert first == again and hash(first) == hash(again)
    assert first.mail.smtp == SmtpServer(
        "mail.example", 2525, False, "bot@desk.example", "pa55word"
    )
    assert (first.mail.sender, first.mail.retry_seconds) == ("bot@desk.example", 30.0)
    assert Settings.from_env({**environment, "SYNCDESK_TICKETS_PER_CONVERSATION": "2"}) != first
    shown = repr(first)  # no secret in a repr (logs, tracebacks)
    assert "pa55word" not in shown and "t0ken-value" not in shown
    assert repr(first.security.session_key) not in shown


def test_defaults_and_groups():
    found = Settings.from_env({})
    assert found.db_url.endswith(".var/syncdesk.db") and found.kb_source.name == "kb"
    assert (found.production, found.retention_days, found.mail.enabled) == (False, 180, False)
    assert found.security.tickets_per_conversation == 5
    assert found.security.unlimited_clients == ("127.0.0.1", "::1")
    assert found.console.agents_file is None and found.console.waiting_minutes == 30
    assert (found.web.port, found.web.bot_url, found.web.cors_origins) == (
        8000,
        "http://localhost:5005",
        ("http://localhost:8000",),
    )
    assert Settings.from_env({"RASA_PORT": "6000"}).web.bot_url == "http://localhost:6000"
    assert found.endpoints.name == "endpoints.yml"


def test_keys_from_files_and_production_rules(tmp_path):
    key = tmp_path / "identity.key"
    key.write_text("i" * 40 + "\n")
    assert Settings.from_env({"SYNCDESK_IDENTITY_KEY_FILE": str(key)}).security.identity_key == (
        b"i" * 40
    )
    production = {"SYNCDESK_ENV": "production"}
    made = Settings.from_env(production)
    assert made.security.identity_key is None  # no default identity key in production
    assert len(made.security.session_key) >= 32
    assert Settings.from_env(production) == made  # the per-process key: the same every read
    assert made.endpoints.name == "endpoints.prod.yml" and made.console.secure_cookie
    with pytest.raises(InsecureKey, match="SYNCDESK_SESSION_KEY"):
        Settings.from_env({**production, "SYNCDESK_SESSION_KEY": "change-me" * 5})


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("SYNCDESK_SMTP_URL", "mail.example.com", "SYNCDESK_SMTP_URL must look like"),
        ("SYNCDESK_RETENTION_DAYS", "0", "SYNCDESK_RETENTION_DAYS must be a whole number"),
    ],
)
def test_wrong_settings_are_named(variable, value, message):
    with pytest.raises(ValueError, match=message):
        Settings.from_env({variable: value})


def test_each_services_counts_its_own_tickets(tmp_path):
    settings = Settings.from_env(
        {
            "SYNCDESK_DB_URL": f"sqlite:///{tmp_path / 'a.db'}",
            "SYNCDESK_TICKETS_PER_CONVERSATION": "1",
        }
    )
    one, two = Services(settings), Services(settings)
    try:
        assert isinstance(one.ticket_allowance, TicketAllowance)
        one.ticket_allowance.opened("conversation", None)
        assert one.ticket_allowance.refusal("conversation", None) is not None
        assert two.ticket_allowance.refusal("conversation", None) is None  # not shared
    finally:
        one.close()
