from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.schema import CreateIndex, CreateTable

import bot
from bot import db, migrations
from bot.handover import TicketRow  # noqa: F401  (registers the table)
from bot.kb import KnowledgeBaseUnavailable, ensure_loaded, knowledge_base
from bot.kb.load import create_schema, load
from bot.kb.models import Base, ErrorRow, FixStepRow
from bot.kb.source import read_source
from bot.records import record_feedback


def _count(url, model):
    with db.session_factory(url).begin() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_load_is_idempotent(db_url, source):
    steps = _count(db_url, FixStepRow)
    with db.session_factory(db_url).begin() as session:
        again = load(session, source)
    assert again.changed is False
    assert _count(db_url, ErrorRow) == len(source.errors)
    assert _count(db_url, FixStepRow) == steps


def test_forced_reload_rebuilds_the_same_rows_and_keeps_feedback(db_url, source):
    with db.session_factory(db_url).begin() as session:
        record_feedback(session, "conv-1", "tax-type-invalid", True)
    with db.session_factory(db_url).begin() as session:
        result = load(session, source, force=True)
    assert result.changed is True
    with knowledge_base(db_url) as kb:
        assert kb.errors() == list(source.errors)
    from bot.records import FeedbackRow

    assert _count(db_url, FeedbackRow) == 1


def test_repository_returns_exactly_the_source(kb, source):
    assert kb.errors() == list(source.errors)
    assert kb.contacts() == list(source.contacts)
    assert [r.id for r in kb.record_types()] == [r.id for r in source.record_types]
    assert [e.id for e in kb.errors_for("credit-note")] == [
        "credit-note-invoice-missing",
        "credit-note-exceeds-outstanding",
    ]


def test_changed_source_is_picked_up_without_force(source_copy, db_url):
    target = source_copy
    path = target / "errors" / "tax-rate-inactive.yml"
    path.write_text(
        path.read_text().replace("A tax rate isn't active in Xero", "Inactive tax rate")
    )
    with db.session_factory(db_url).begin() as session:
        assert load(session, read_source(target)).changed is True
    with knowledge_base(db_url) as kb:
        assert kb.error("tax-rate-inactive").title == "Inactive tax rate"


def test_schema_compiles_for_postgresql():
    dialect = postgresql.dialect()
    for table in Base.metadata.sorted_tables:
        ddl = str(CreateTable(table).compile(dialect=dialect))
        assert f"CREATE TABLE {table.name}" in ddl
        for index in table.indexes:
            str(CreateIndex(index).compile(dialect=dialect))


def test_missing_database_is_rebuilt_from_the_source(tmp_path, monkeypatch, source):
    url = f"sqlite:///{tmp_path / 'fresh' / 'kb.db'}"
    ensure_loaded(url)
    with knowledge_base(url) as kb:
        assert len(kb.errors()) == len(source.errors)


def test_unusable_database_gives_a_message_naming_the_fix(tmp_path):
    folder = tmp_path / "not-a-db"
    folder.mkdir()
    (folder / "kb.db").mkdir()  # a directory where the file should be
    with pytest.raises(KnowledgeBaseUnavailable, match="SYNCDESK_DB_URL"):
        ensure_loaded(f"sqlite:///{folder / 'kb.db'}")


def test_a_fifteenth_error_needs_only_a_data_entry(
    tmp_path, source_copy, use_settings, add_test_error
):
    new = add_test_error(source_copy)
    url = f"sqlite:///{tmp_path / 'kb15.db'}"
    use_settings(SYNCDESK_DB_URL=url, SYNCDESK_KB_SOURCE=str(source_copy))
    create_schema(db.engine(url))
    with db.session_factory(url).begin() as session:
        load(session, read_source(source_copy))
    found = bot.diagnose(f"Invoice: JL-991 - {new.phrases[0]}.")
    assert [(m.error_id, m.values) for m in found] == [(new.id, {"invoice_number": "JL-991"})]
    with knowledge_base(url) as kb:
        assert [e.id for e in kb.errors_for("customer-account")] == [
            "account-number-exists",
            new.id,
        ]


def test_cli_kb_load_reports_and_is_idempotent(tmp_path, use_settings, capsys, source):
    from bot.cli import main

    use_settings(SYNCDESK_DB_URL=f"sqlite:///{tmp_path / 'cli.db'}")
    assert main(["kb", "load"]) == 0
    loaded = f"Knowledge base loaded: {len(source.errors)} errors, {len(source.contacts)} contacts"
    assert loaded in capsys.readouterr().out
    assert main(["kb", "load"]) == 0
    assert "already up to date" in capsys.readouterr().out


def test_cli_names_a_broken_source(tmp_path, source_copy, use_settings, capsys):
    from bot.cli import main

    Path(source_copy / "errors" / "tax-rate-inactive.yml").write_text("id: [unclosed")
    use_settings(
        SYNCDESK_DB_URL=f"sqlite:///{tmp_path / 'cli.db'}", SYNCDESK_KB_SOURCE=str(source_copy)
    )
    assert main(["kb", "load"]) == 2
    assert "tax-rate-inactive.yml: not valid YAML" in capsys.readouterr().err


def test_the_answers_and_settings_round_trip(kb, source):
    entry = kb.error("tax-type-invalid")
    assert entry.cause == source.error("tax-type-invalid").cause
    assert entry.side == source.error("tax-type-invalid").side
    assert entry.if_ignored == source.error("tax-type-invalid").if_ignored
    assert kb.settings() == {"support_response_time": None}


def _older_database(tmp_path, use_settings, *changes: str) -> str:
    """Return the URL of a loaded KB database taken back to an older schema by ``changes``."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    use_settings(SYNCDESK_DB_URL=url)
    migrations.upgrade(db.engine(url), "0001_baseline")  # the schema create_all used to make
    with db.engine(url).begin() as connection:  # the KB columns later revisions add, to load
        connection.execute(text("ALTER TABLE errors ADD COLUMN twin VARCHAR(80)"))
    with db.session_factory(url).begin() as session:
        load(session, read_source())
    with db.engine(url).begin() as connection:
        later = ("ALTER TABLE errors DROP COLUMN twin", "DROP TABLE alembic_version")
        for change in (*changes, *later):  # from before migrations
            connection.execute(text(change))
    db.engine(url).dispose()
    return url


def test_a_database_from_before_the_answers_is_upgraded_and_reloaded(tmp_path, use_settings):
    # A database built by the previous version: no errors.answers column, no desk_settings.
    url = _older_database(
        tmp_path,
        use_settings,
        "ALTER TABLE errors DROP COLUMN answers",
        "DROP TABLE desk_settings",
    )

    ensure_loaded(url)

    with knowledge_base(url) as kb:
        assert kb.error("tax-type-invalid").side.party == "your-data"
        assert kb.settings() == {"support_response_time": None}
    assert create_schema(db.engine(url)) == []  # idempotent: nothing left to add


def test_create_schema_reports_the_columns_it_adds(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    migrations.upgrade(db.engine(url), "0001_baseline")
    with db.engine(url).begin() as connection:
        connection.execute(text("ALTER TABLE errors DROP COLUMN answers"))
        connection.execute(text("DROP TABLE alembic_version"))  # made before migrations
    # The column it lacked, and the one a later revision added (0005).
    assert sorted(create_schema(db.engine(url))) == ["errors.answers", "errors.twin"]
    assert create_schema(db.engine(url)) == []


def test_a_database_from_before_the_alternatives_gains_them(tmp_path, use_settings):
    # The previous version had no fix_steps.choice: the column is added and the KB reloaded.
    url = _older_database(tmp_path, use_settings, "ALTER TABLE fix_steps DROP COLUMN choice")

    ensure_loaded(url)

    with knowledge_base(url) as kb:
        assert [s.choice for s in kb.error("tax-type-invalid").steps] == [1, 1, 1]
    assert create_schema(db.engine(url)) == []
