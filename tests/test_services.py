"""The services object: built from settings, knowledge kept in memory until a load changes it."""

from __future__ import annotations

from sqlalchemy import event

from bot.kb.load import load
from bot.kb.source import DEFAULT_SOURCE_DIR, read_source
from bot.services import Services, default
from bot.settings import Settings


def _count_queries(services: Services) -> list[str]:
    seen: list[str] = []
    event.listen(services.engine, "before_cursor_execute", lambda *a: seen.append(a[2]))
    return seen


def test_the_knowledge_is_read_once_per_load(services, source):
    first = services.knowledge()
    assert len(first.errors()) == len(source.errors)
    queries = _count_queries(services)
    again = services.knowledge()
    assert again is first  # same fingerprint: no second read of the whole knowledge base
    assert len(queries) == 1 and "kb_meta" in queries[0]


def test_a_load_is_picked_up_at_once_and_never_served_stale(services, source_copy):
    before = services.knowledge()
    diagnoser = services.diagnoser()
    path = source_copy / "errors" / "tax-type-invalid.yml"
    old = before.error("tax-type-invalid").title
    path.write_text(path.read_text().replace(old, "A title changed under a running server"))
    with services.sessions.begin() as session:
        load(session, read_source(source_copy))
    after = services.knowledge()
    assert after.fingerprint != before.fingerprint
    assert after.error("tax-type-invalid").title == "A title changed under a running server"
    assert services.diagnoser() is not diagnoser  # rebuilt for the new knowledge base
    assert services.diagnoser() is services.diagnoser()


def test_two_services_on_two_databases_do_not_mix(services, tmp_path, source):
    url = f"sqlite:///{tmp_path / 'other.db'}"
    other = Services(Settings(db_url=url, kb_source=DEFAULT_SOURCE_DIR))
    try:
        assert other.knowledge().fingerprint == services.knowledge().fingerprint
        assert other.engine is not services.engine
    finally:
        other.close()


def test_the_default_services_follow_the_environment(db_url, tmp_path, monkeypatch):
    assert default().settings.db_url == db_url
    assert default() is default()
    monkeypatch.setenv("SYNCDESK_DB_URL", f"sqlite:///{tmp_path / 'moved.db'}")
    assert default().settings.db_url.endswith("moved.db")
