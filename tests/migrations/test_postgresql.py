"""The migrations on a real PostgreSQL: a database made by create_all is adopted, rows kept."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from bot import migrations

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "integration"))
import services  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_migrations import DATA, LATER_COLUMNS, contents, fill, legacy_statements  # noqa: E402

pytestmark = pytest.mark.integration


def test_postgresql_database_made_by_create_all_is_upgraded_without_losing_rows():
    missing = services.missing_services()
    if "PostgreSQL" in " ".join(missing):
        pytest.skip("PostgreSQL is not installed: run scripts/setup-services")
    with services.postgres_server() as pg:
        engine = create_engine(pg.url(), future=True)
        try:
            with engine.begin() as connection:
                for statement in legacy_statements(DATA / "legacy_postgresql.sql"):
                    connection.exec_driver_sql(statement)
                fill(connection)
                # Rasa's tracker store shares the database in production: left alone.
                connection.exec_driver_sql("CREATE TABLE events (id SERIAL PRIMARY KEY, data TEXT)")
                connection.exec_driver_sql("INSERT INTO events (data) VALUES ('{}')")
            before = contents(engine)

            done = migrations.upgrade(engine)

            assert (done.before, done.after) == (None, migrations.head())
            assert sorted(done.added) == sorted(LATER_COLUMNS)  # and rows kept, below
            assert contents(engine) == before
            assert migrations.drift(engine) == []
            with engine.connect() as connection:
                assert connection.execute(text("SELECT count(*) FROM events")).scalar() == 1
            assert migrations.upgrade(engine).changed is False
        finally:
            engine.dispose()
