"""The schema's migrations (bot/migrations): fresh, adopted and upgraded databases keep every row."""

from __future__ import annotations

import functools
import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import Engine

from bot import db, migrations
from bot.kb.load import create_schema
from bot.settings import PROJECT_ROOT

DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture
def sqlite_url(tmp_path: Path) -> Any:
    url = f"sqlite:///{tmp_path / 'syncdesk.db'}"
    yield url
    db.dispose(url)


def legacy_statements(schema: Path = DATA / "legacy_sqlite.sql") -> list[str]:
    """The CREATE statements of the schema `create_all` made before migrations."""
    statements = []
    for statement in schema.read_text().split(";"):
        lines = [line for line in statement.splitlines() if not line.startswith("--")]
        if "".join(lines).strip():
            statements.append("\n".join(lines))
    return statements


def legacy_database(engine: Engine, schema: Path = DATA / "legacy_sqlite.sql") -> None:
    """Build that older database, with rows in every kind of table."""
    with engine.begin() as connection:
        for statement in legacy_statements(schema):
            connection.exec_driver_sql(statement)
        fill(connection)


def fill(connection: Any) -> None:
    """Insert rows as the previous version wrote them (plain SQL: its models are gone)."""
    rows = {
        "record_types": [{"id": "invoice", "position": 0, "label": "Invoices"}],
        "actors": [{"id": "customer-xero", "label": "You, in Xero"}],
        "errors": [
            {
                "id": "tax-type-invalid", "number": 1, "title": "Tax type invalid",
                "short_title": "Tax type", "record_type": "invoice", "message": "The TaxType…",
                "prefix": None, "explanation": json.dumps(["Xero says…"]), "support": "never",
                "handover": None, "confirm_fix": True, "answers": json.dumps({"cause": []}),
            }
        ],
        "error_phrases": [
            {"error_id": "tax-type-invalid", "position": i, "text": f"phrase {i}"} for i in range(3)
        ],
        "fix_steps": [
            {"error_id": "tax-type-invalid", "position": 0, "actor": "customer-xero",
             "place": "Settings", "text": json.dumps(["Open it"]), "choice": None}
        ],
        "tickets": [
            {
                "id": n, "reference": f"SD-{n:06d}", "created_at": f"2026-05-0{n} 10:00:00",
                "updated_at": f"2026-05-0{n} 11:00:00", "status": "open",
                "conversation_id": f"conv-{n}", "channel": "socketio", "error_key": "tax-type-invalid",
                "error_id": "tax-type-invalid", "reason": "not_fixed",
                "values": json.dumps({"tax_code": "T9"}), "steps": json.dumps([]),
                "transcript": json.dumps([{"who": "customer", "text": "it failed"}]),
                "customer": json.dumps({"account_id": "JL-1"}), "note": None,
            }
            for n in (1, 2, 3)
        ],
        "diagnoses": [
            {"id": 1, "created_at": "2026-05-01 10:00:00", "conversation_id": "conv-1",
             "error_id": None, "how": "pasted", "excerpt": "Some unknown error"}
        ],
        "outcomes": [
            {"id": 1, "created_at": "2026-05-01 10:00:00", "conversation_id": "conv-1",
             "error_id": "tax-type-invalid", "outcome": "fixed"}
        ],
        "feedback": [
            {"id": 1, "created_at": "2026-05-01 10:00:00", "conversation_id": "conv-1",
             "error_id": "tax-type-invalid", "helpful": True}
        ],
        "kb_meta": [{"key": "fingerprint", "value": "abc"}],
    }  # fmt: skip
    for table, values in rows.items():
        columns = list(values[0])
        quoted = ", ".join(f'"{c}"' for c in columns)
        marks = ", ".join(f":{c}" for c in columns)
        connection.execute(text(f"INSERT INTO {table} ({quoted}) VALUES ({marks})"), values)


@functools.lru_cache(maxsize=1)
def legacy_columns() -> dict[str, tuple[str, ...]]:
    """Each legacy table's columns."""
    legacy = create_engine("sqlite://", future=True)
    with legacy.begin() as connection:
        for statement in legacy_statements():
            connection.exec_driver_sql(statement)
    found = inspect(legacy)
    return {t: tuple(c["name"] for c in found.get_columns(t)) for t in found.get_table_names()}


def contents(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the legacy tables, as tuples of the legacy columns (sorted)."""
    found: dict[str, list[tuple[Any, ...]]] = {}
    with engine.connect() as connection:
        for table, columns in legacy_columns().items():
            if inspect(connection).has_table(table):
                quoted = ", ".join(f'"{column}"' for column in columns)
                rows = connection.execute(text(f"SELECT {quoted} FROM {table}")).all()
                found[table] = sorted((tuple(row) for row in rows), key=repr)
    return found


def revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return migrations.current(connection)


def test_a_fresh_database_gets_every_table_at_the_newest_revision(sqlite_url):
    engine = db.engine(sqlite_url)

    done = migrations.upgrade(engine)

    assert (done.before, done.after, done.added) == (None, migrations.head(), ())
    assert revision(engine) == migrations.head()
    assert migrations.upgrade(engine).changed is False  # idempotent


def test_the_models_and_the_migrations_agree(sqlite_url):
    # `alembic check` as a test: a model change without its migration fails here.
    engine = db.engine(sqlite_url)
    migrations.upgrade(engine)

    assert migrations.drift(engine) == [], (
        "The models differ from what the migrations build: add a migration with "
        "`python -m bot db revision -m '<what changed>'` (docs/migrations.md)"
    )


def test_drift_is_found_when_a_migration_is_missing(sqlite_url):
    engine = db.engine(sqlite_url)
    migrations.upgrade(engine)
    with engine.begin() as connection:
        connection.exec_driver_sql("ALTER TABLE tickets DROP COLUMN note")

    assert [(d[0], d[2], d[3].name) for d in migrations.drift(engine)] == [
        ("add_column", "tickets", "note")
    ]


def test_every_table_comes_from_a_module_the_migrations_import():
    # Import every module of the package, then only MODEL_MODULES: the same tables must exist.
    program = textwrap.dedent(
        """
        import importlib, json, pkgutil, sys
        import bot
        from bot.db import Base
        if sys.argv[1] == "all":
            for module in pkgutil.walk_packages(bot.__path__, "bot."):
                if module.name not in ("bot.__main__",) and not module.name.startswith("bot.migrations.env"):
                    importlib.import_module(module.name)
        else:
            from bot.migrations import import_models
            import_models()
        print(json.dumps(sorted(Base.metadata.tables)))
        """
    )

    def tables(which: str) -> list[str]:
        run = subprocess.run(
            [sys.executable, "-c", program, which],
            cwd=PROJECT_ROOT, capture_output=True, text=True, check=True,
        )  # fmt: skip
        return json.loads(run.stdout.splitlines()[-1])

    assert tables("models") == tables("all"), "add the module to MODEL_MODULES in bot/migrations"


#: Columns later revisions added to tables the legacy database (create_all, before migrations)
#: already had: a legacy database gains them, and keeps its rows.
LATER_COLUMNS = ["errors.twin"]


def test_a_database_made_by_create_all_is_adopted_without_losing_rows(sqlite_url):
    engine = db.engine(sqlite_url)
    legacy_database(engine)
    before = contents(engine)
    assert before["tickets"] and revision(engine) is None

    added = create_schema(engine)

    assert added == LATER_COLUMNS  # what migrations added since that release, and only that
    assert contents(engine) == before
    assert revision(engine) == migrations.head()
    assert migrations.drift(engine) == []


def test_an_older_database_gains_what_it_lacked_and_keeps_its_rows(sqlite_url):
    # Before the answers and alternatives: no errors.answers, fix_steps.choice, desk_settings.
    engine = db.engine(sqlite_url)
    legacy_database(engine)
    with engine.begin() as connection:
        connection.exec_driver_sql("ALTER TABLE errors DROP COLUMN answers")
        connection.exec_driver_sql("ALTER TABLE fix_steps DROP COLUMN choice")
        connection.exec_driver_sql("DROP TABLE desk_settings")
    tickets = contents(engine)["tickets"]

    added = create_schema(engine)

    assert sorted(added) == sorted(["errors.answers", "fix_steps.choice", *LATER_COLUMNS])
    assert contents(engine)["tickets"] == tickets
    assert migrations.drift(engine) == []
    assert create_schema(engine) == []


NEXT_REVISION = '''
"""Test: a NOT NULL column on tickets, and errors rebuilt (a parent with cascading children).

Revision ID: 9000_test_column
Revises: {head}
"""

import sqlalchemy as sa
from alembic import op

revision = "9000_test_column"
down_revision = "{head}"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("priority", sa.String(10), nullable=False, server_default="normal"))
    # Changing a type makes SQLite's batch mode copy the table, drop it and rename the copy.
    with op.batch_alter_table("errors", recreate="always") as batch:
        batch.alter_column("short_title", type_=sa.String(200), existing_nullable=False)


def downgrade():
    with op.batch_alter_table("tickets") as batch:
        batch.drop_column("priority")
'''


def test_a_migration_that_adds_a_column_upgrades_a_database_with_rows(sqlite_url, tmp_path):
    engine = db.engine(sqlite_url)
    legacy_database(engine)
    before = contents(engine)
    extra = tmp_path / "versions"
    extra.mkdir()
    (extra / "9000_test_column.py").write_text(NEXT_REVISION.format(head=migrations.head()))

    done = migrations.upgrade(engine, version_locations=[extra])

    assert (done.before, done.after) == (None, "9000_test_column")
    assert sorted(done.added) == sorted([*LATER_COLUMNS, "tickets.priority"])
    assert contents(engine) == before  # the parent's rebuild cascaded to none of its children
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT DISTINCT priority FROM tickets").all() == [
            ("normal",)
        ]
        # Foreign keys are back on for the pooled connection afterwards.
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_two_processes_migrating_one_new_database_at_once_both_succeed(tmp_path):
    # The Rasa server and the action server start together and both build the schema.
    url = f"sqlite:///{tmp_path / 'race.db'}"
    program = "import sys; from bot import db, migrations; print(migrations.upgrade(db.engine(sys.argv[1])).after)"
    runs = [
        subprocess.Popen([sys.executable, "-c", program, url], cwd=PROJECT_ROOT,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]  # fmt: skip
    results = [run.communicate(timeout=60) for run in runs]

    assert [run.returncode for run in runs] == [0, 0], [err for _out, err in results]
    assert [out.strip() for out, _err in results] == [migrations.head()] * 2


def test_cli_db_upgrade_reports_the_revision_and_check_passes(sqlite_url, use_settings, capsys):
    from bot.cli import main

    use_settings(SYNCDESK_DB_URL=sqlite_url)
    legacy_database(db.engine(sqlite_url))

    assert main(["db", "check"]) == 1
    assert "run `python -m bot db upgrade`" in capsys.readouterr().err
    assert main(["db", "upgrade"]) == 0
    assert f"Database upgraded from no revision to {migrations.head()}" in capsys.readouterr().out
    assert main(["db", "upgrade"]) == 0
    assert f"Database already at {migrations.head()}" in capsys.readouterr().out
    assert main(["db", "check"]) == 0


def test_new_revision_writes_what_the_models_changed(tmp_path):
    from sqlalchemy import Column, Integer, Table

    from bot.db import Base

    migrations.import_models()
    table = Table("test_priorities", Base.metadata, Column("id", Integer, primary_key=True))
    try:
        path = migrations.new_revision("Tickets get a priority", directory=tmp_path)
    finally:
        Base.metadata.remove(table)

    number = len(list(migrations.VERSIONS.glob("0*.py"))) + 1
    assert path.name == f"{number:04d}_tickets_get_a_priority.py"
    written = path.read_text()
    assert f'down_revision = "{migrations.head()}"' in written  # formatted by ruff
    assert 'op.create_table(\n        "test_priorities",' in written


def test_a_database_a_newer_release_migrated_is_left_alone(sqlite_url):
    # Mid rolling deploy the old servers still start: they neither fail nor touch it.
    engine = db.engine(sqlite_url)
    migrations.upgrade(engine)
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "UPDATE alembic_version SET version_num = '9999_from_the_future'"
        )

    done = migrations.upgrade(engine)

    assert (done.before, done.after, done.changed) == ("9999_from_the_future",) * 2 + (False,)
    assert revision(engine) == "9999_from_the_future"
