"""Fixtures shared by the whole suite: a fresh knowledge base per test, built from data/kb."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import hypothesis
import pytest

from bot import db
from bot.kb import knowledge_base
from bot.kb.load import create_schema, load
from bot.kb.source import Source, read_source
from bot.services import Services
from bot.settings import PROJECT_ROOT, Settings

# Property tests try the same examples on every run, so a run's result depends on the code alone
# (a fresh clone has no example database, and a new random search each CI run made results vary;
# a 200 ms deadline failed on a pause late in a long run). HYPOTHESIS_PROFILE=explore searches
# new examples each run, for hunting bugs rather than gating a change.
hypothesis.settings.register_profile("repeatable", derandomize=True, database=None, deadline=None)
hypothesis.settings.register_profile("explore", deadline=None)
hypothesis.settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))

GUIDE = PROJECT_ROOT.parent / "shared" / "reference" / "xero-sync-errors-help-guide.txt"


@pytest.fixture(scope="session")
def source() -> Source:
    """The knowledge base's source data, as committed."""
    return read_source()


@pytest.fixture
def db_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, source: Source) -> Iterator[str]:
    """Point syncdesk at a fresh SQLite knowledge base loaded from data/kb."""
    url = f"sqlite:///{tmp_path / 'syncdesk.db'}"
    monkeypatch.setenv("SYNCDESK_DB_URL", url)
    create_schema(db.engine(url))
    with db.session_factory(url).begin() as session:
        load(session, source)
    yield url
    db.dispose(url)


@pytest.fixture
def services(db_url: str) -> Services:
    """syncdesk's services on the fresh database, built as the action server builds its own."""
    return Services(Settings.from_env())


@pytest.fixture
def kb(db_url: str):  # type: ignore[no-untyped-def]
    """A KnowledgeBase on the fresh database, for one test."""
    with knowledge_base(db_url) as opened:
        yield opened


@pytest.fixture
def source_copy(tmp_path: Path) -> Path:
    """A writable copy of data/kb, for tests that change the source."""
    from bot.kb.source import DEFAULT_SOURCE_DIR

    target = tmp_path / "kb"
    (target / "errors").mkdir(parents=True)
    (target / "desk.yml").write_text((DEFAULT_SOURCE_DIR / "desk.yml").read_text())
    for path in (DEFAULT_SOURCE_DIR / "errors").glob("*.yml"):
        (target / "errors" / path.name).write_text(path.read_text())
    return target


@pytest.fixture
def use_settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    """Return a function that sets syncdesk's environment variables for this test only."""

    def apply(**variables: str) -> None:
        for name, value in variables.items():
            monkeypatch.setenv(name, value)

    yield apply


@pytest.fixture(scope="session")
def guide_text() -> str:
    """The help guide the knowledge base is written from."""
    if not GUIDE.exists():
        pytest.fail(f"The help guide is missing: expected {GUIDE} (../shared beside the repo)")
    return GUIDE.read_text(encoding="utf-8")
