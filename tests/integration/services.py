"""The tests' servers (one home for tests and benches: harness/servers.py), and Rasa's check of
the project's data.

``rasa_data_warnings`` runs ``rasa data validate`` and returns what it warns about, less the
responses that only actions send. No pytest here, so failures read the same in any test.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Sequence
from pathlib import Path

from harness.servers import (
    RASA,
    NotReady,
    Postgres,
    Redis,
    ServiceUnavailable,
    answers,
    bot_servers,
    free_port,
    http_servers,
    latest_model,
    listening_addresses,
    listening_pids,
    missing_services,
    postgres_server,
    production_env,
    redis_server,
    server_env,
    stop,
    wait_for,
    wait_until,
)

__all__ = [
    "NotReady",
    "Postgres",
    "RASA",
    "Redis",
    "ServiceUnavailable",
    "answers",
    "bot_servers",
    "free_port",
    "http_servers",
    "latest_model",
    "listening_addresses",
    "listening_pids",
    "missing_services",
    "postgres_server",
    "production_env",
    "rasa_data_warnings",
    "redis_server",
    "responses_sent_by_actions",
    "server_env",
    "stop",
    "wait_for",
    "wait_until",
]

_ROOT = Path(__file__).resolve().parents[2]


# --- Rasa's check of the project's data -----------------------------------------------------------

_WARNING = re.compile(r"UserWarning: (.+)")
_UNUSED_RESPONSE = re.compile(r"The utterance '(\w+)' is not used in any story or rule\.")
_SENT_RESPONSE = re.compile(r"""response=["'](utter_\w+)["']""")


def responses_sent_by_actions(actions: Path = _ROOT / "actions") -> set[str]:
    """Return the responses custom actions send (``utter_message(response="utter_…")``)."""
    return {
        name
        for module in sorted(actions.rglob("*.py"))
        for name in _SENT_RESPONSE.findall(module.read_text())
    }


def rasa_data_warnings(
    domain: Path, data: Sequence[Path], env: dict[str, str], actions: Path = _ROOT / "actions"
) -> list[str]:
    """Run ``rasa data validate``; return what it warns about, less what the actions explain.

    Rasa 3.6 warns that a response "is not used in any story or rule" whether or not a custom
    action sends it, and nothing in the domain can say so (every response counts as an action).
    The warning is dropped for exactly the responses ``actions`` send; any other warning, a
    story conflict, or a response an action sends that the domain lacks is returned.

    Raises:
        RuntimeError: the command failed (an error in the domain or the data).
    """
    result = subprocess.run(
        [RASA, "data", "validate", "--domain", str(domain), "--data", *map(str, data)],
        cwd=_ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    output = result.stdout + result.stderr
    if result.returncode != 0:
        raise RuntimeError(f"rasa data validate failed:\n{output[-6000:]}")
    sent = responses_sent_by_actions(actions)
    warnings = []
    for message in _WARNING.findall(output):
        unused = _UNUSED_RESPONSE.fullmatch(message.strip())
        if not (unused and unused.group(1) in sent):
            warnings.append(message.strip())
    if "No story structure conflicts found." not in output:
        warnings.append(f"story structure conflicts:\n{output[-6000:]}")
    responses = _domain_responses(domain)
    warnings += [f"an action sends {name}, which the domain lacks" for name in sent - responses]
    return warnings


def _domain_responses(domain: Path) -> set[str]:
    import yaml

    files = sorted(domain.rglob("*.yml")) if domain.is_dir() else [domain]
    return {
        name
        for file in files
        for name in (yaml.safe_load(file.read_text()) or {}).get("responses", {})
    }
