"""Privacy (bot/privacy): export, erase and purge against a real SQLite database and Rasa's own
SQL tracker store."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import MetaData, create_engine, func, inspect, select, text
from sqlalchemy.engine import Engine

from bot import db, migrations, privacy
from bot.privacy.trackers import TrackerStore, tracker_store
from bot.settings import Settings

NOW = datetime.now(timezone.utc)
OLD = NOW - timedelta(days=200)  # beyond the default retention of 180 days
RECENT = NOW - timedelta(days=10)


@pytest.fixture
def database(tmp_path: Path) -> Any:
    url = f"sqlite:///{tmp_path / 'syncdesk.db'}"
    engine = db.engine(url)
    migrations.upgrade(engine)
    yield engine
    db.dispose(url)


def add_conversation(engine: Engine, conversation: str, account: str, when: datetime) -> None:
    """Store what a conversation leaves behind: a ticket with a note, diagnoses, outcome, feedback."""
    tables = MetaData()
    tables.reflect(engine)
    with engine.begin() as connection:
        ticket = connection.execute(
            tables.tables["tickets"]
            .insert()
            .values(
                reference=f"SD-{conversation}",
                created_at=when,
                updated_at=when,
                status="open",
                conversation_id=conversation,
                channel="socketio",
                error_key="tax-type-invalid",
                error_id="tax-type-invalid",
                reason="not_fixed",
                values={"tax_code": "T9"},
                steps=[],
                transcript=[{"who": "customer", "text": f"{conversation} says help"}],
                customer={"account_id": account, "user_name": "Sam Patel"},
            )
        ).inserted_primary_key[0]
        if "ticket_notes" in tables.tables:
            connection.execute(
                tables.tables["ticket_notes"]
                .insert()
                .values(ticket_id=ticket, created_at=when, text=f"called {conversation}")
            )
        connection.execute(
            tables.tables["diagnoses"].insert(),
            [
                {"created_at": when, "conversation_id": conversation, "error_id": None,
                 "how": "pasted", "excerpt": f"Unknown error for {conversation}"},
                {"created_at": when, "conversation_id": conversation,
                 "error_id": "tax-type-invalid", "how": "pasted", "excerpt": None},
            ],
        )  # fmt: skip
        connection.execute(
            tables.tables["outcomes"].insert().values(
                created_at=when, conversation_id=conversation, error_id="tax-type-invalid",
                outcome="fixed",
            )
        )  # fmt: skip
        connection.execute(
            tables.tables["feedback"].insert().values(
                created_at=when, conversation_id=conversation, error_id="tax-type-invalid",
                helpful=False,
            )
        )  # fmt: skip


def save_trackers(db_file: Path, conversations: dict[str, list[tuple[str, datetime, str]]]) -> None:
    """Save conversations with Rasa's own SQLTrackerStore: (who, when, text) per event."""
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import BotUttered, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    store = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(db_file))
    for sender, turns in conversations.items():
        events = [
            UserUttered(
                said, timestamp=when.timestamp(), metadata={"customData": {"account_id": who}}
            )
            if who.startswith("JL-")
            else BotUttered(said, timestamp=when.timestamp())
            for who, when, said in turns
        ]
        asyncio.run(store.save(DialogueStateTracker.from_events(sender, events)))
    store.engine.dispose()


def sql_store(tmp_path: Path, db_file: Path) -> TrackerStore:
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text(f"tracker_store:\n  type: SQL\n  dialect: sqlite\n  db: {db_file}\n")
    return tracker_store(endpoints)


def counts(engine: Engine, column: str = "conversation_id") -> dict[str, dict[str, int]]:
    found: dict[str, dict[str, int]] = {}
    with engine.connect() as connection:
        for table in ("tickets", "diagnoses", "outcomes", "feedback"):
            rows = connection.execute(text(f"SELECT {column}, COUNT(*) FROM {table} GROUP BY 1"))
            found[table] = dict(rows.all())
    return found


@pytest.fixture
def held(database: Engine, tmp_path: Path) -> TrackerStore:
    """Two accounts' conversations in syncdesk's tables, and their trackers in Rasa's store."""
    add_conversation(database, "conv-a", "JL-1", RECENT)
    add_conversation(database, "conv-b", "JL-2", RECENT)
    trackers = tmp_path / "rasa.db"
    save_trackers(
        trackers,
        {
            "conv-a": [("JL-1", RECENT, "Invoice # must be unique"), ("bot", RECENT, "Here's why")],
            "conv-b": [("JL-2", RECENT, "hello from b")],
            # No ticket: found for the account only through its messages' metadata.
            "conv-c": [("JL-1", RECENT, "my credit notes fail")],
        },
    )
    return sql_store(tmp_path, trackers)


def test_export_of_a_conversation_holds_everything_about_it_and_nothing_else(database, held):
    document = privacy.export(database, {"conv-a"}, held)

    records = document["records"]
    assert [t["reference"] for t in records["tickets"]] == ["SD-conv-a"]
    assert records["tickets"][0]["customer"]["user_name"] == "Sam Patel"
    assert [n["text"] for n in records["ticket_notes"]] == ["called conv-a"]
    assert [d["excerpt"] for d in records["diagnoses"]] == ["Unknown error for conv-a", None]
    assert len(records["outcomes"]) == len(records["feedback"]) == 1
    assert "conv-b" not in json.dumps(document)
    assert document["tracker"]["covered"] is True
    said = [
        e.get("text")
        for e in document["tracker"]["events"]["conv-a"]
        if e["event"] in ("user", "bot")
    ]
    assert said == ["Invoice # must be unique", "Here's why"]


def test_an_account_is_found_through_tickets_and_through_message_metadata(database, held):
    assert privacy.conversations_of_account(database, "JL-1", held) == {"conv-a", "conv-c"}
    assert privacy.conversations_of_account(database, "JL-9", held) == set()


def test_erase_deletes_an_accounts_data_and_keeps_everyone_elses(database, held, tmp_path):
    before = counts(database)

    erased = privacy.erase(database, privacy.conversations_of_account(database, "JL-1", held), held)

    assert erased.conversations == ("conv-a", "conv-c")
    assert erased.rows["tickets"] == 1 and erased.rows["diagnoses"] == 2
    assert erased.rows["outcomes"] == erased.rows["feedback"] == 1
    assert erased.rows["ticket_notes"] == 1
    assert erased.events > 0
    after = counts(database)
    assert all("conv-a" not in after[table] for table in after)
    assert {t: after[t]["conv-b"] for t in after} == {t: before[t]["conv-b"] for t in before}
    tracker = create_engine(held.url, future=True)
    with tracker.connect() as connection:
        senders = connection.execute(text("SELECT DISTINCT sender_id FROM events")).scalars().all()
    tracker.dispose()
    assert senders == ["conv-b"]
    assert privacy.export(database, {"conv-a"}, held)["records"]["tickets"] == []


def test_purge_deletes_what_is_older_than_the_retention_period(database, tmp_path):
    add_conversation(database, "old", "JL-1", OLD)
    add_conversation(database, "new", "JL-1", RECENT)
    # The tracker store shares syncdesk's database, as in production (Rasa's `events` table).
    store = sql_store(tmp_path, Path(database.url.database))
    save_trackers(
        Path(database.url.database),
        {
            "old": [("JL-1", OLD, "long ago")],
            "new": [("JL-1", RECENT, "just now")],
            # Started long ago but still going: kept whole.
            "ongoing": [("JL-1", OLD, "first"), ("JL-1", RECENT, "again")],
        },
    )

    purged = privacy.purge(database, Settings.from_env({}).retention_days, store)

    assert purged.conversations == ("old",)
    assert purged.rows["tickets"] == 1 and purged.rows["diagnoses"] == 2
    assert {t: set(c) for t, c in counts(database).items()} == {
        t: {"new"} for t in ("tickets", "diagnoses", "outcomes", "feedback")
    }
    with database.connect() as connection:
        kept = connection.execute(
            select(text("sender_id"), func.count())
            .select_from(text("events"))
            .group_by(text("sender_id"))
        ).all()
    assert {sender for sender, _n in kept} == {"new", "ongoing"}
    assert dict(kept)["ongoing"] >= 2  # none of a live conversation's events go
    assert privacy.purge(database, 180, store).rows["tickets"] == 0  # nothing left that old


def test_the_retention_period_is_a_setting():
    assert Settings.from_env({}).retention_days == 180
    assert Settings.from_env({"SYNCDESK_RETENTION_DAYS": "30"}).retention_days == 30
    for wrong in ("0", "-5", "six months", "1.5"):
        with pytest.raises(ValueError, match="SYNCDESK_RETENTION_DAYS"):
            Settings.from_env({"SYNCDESK_RETENTION_DAYS": wrong})


def test_what_is_not_covered_is_said(tmp_path):
    from bot.settings import PROJECT_ROOT

    memory = tracker_store(PROJECT_ROOT / "endpoints.yml")
    assert (memory.kind, memory.covered) == ("in-memory", False)
    assert "restarting the Rasa server erases" in memory.note
    redis = tmp_path / "redis.yml"
    redis.write_text("tracker_store:\n  type: redis\n  url: localhost\n")
    assert tracker_store(redis).note.startswith("NOT covered")
    production = tracker_store(
        PROJECT_ROOT / "endpoints.prod.yml",
        {"POSTGRES_HOST": "db", "POSTGRES_PORT": "5432", "POSTGRES_DB": "syncdesk",
         "POSTGRES_USER": "bot", "POSTGRES_PASSWORD": "pw"},
    )  # fmt: skip
    assert production.covered
    assert production.url.render_as_string(hide_password=False) == (
        "postgresql://bot:pw@db:5432/syncdesk"
    )
    with pytest.raises(ValueError, match="POSTGRES_HOST"):
        tracker_store(PROJECT_ROOT / "endpoints.prod.yml", {})


def test_a_table_privacy_cannot_tie_to_a_conversation_fails_loudly(database):
    with database.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE mystery (id INTEGER PRIMARY KEY, email TEXT)")

    with pytest.raises(privacy.UncoveredTable, match="mystery"):
        privacy.export(database, {"conv-a"}, TrackerStore("in-memory", None, ""))


def test_a_table_added_later_is_covered_through_its_ticket(database):
    # As the outbox (ticket_reference) and the notes (a foreign key) were: no change in bot/privacy.
    add_conversation(database, "conv-a", "JL-1", RECENT)
    add_conversation(database, "conv-b", "JL-2", RECENT)
    with database.begin() as connection:
        connection.exec_driver_sql(
            "CREATE TABLE letters (id INTEGER PRIMARY KEY, ticket_reference VARCHAR(20), body TEXT)"
        )
        connection.exec_driver_sql(
            "CREATE TABLE ticket_tags (id INTEGER PRIMARY KEY, "
            "ticket_id INTEGER REFERENCES tickets (id), tag TEXT)"
        )
        connection.exec_driver_sql(
            "INSERT INTO letters (ticket_reference, body) VALUES ('SD-conv-a', 'Dear Sam'), "
            "('SD-conv-b', 'Dear Alex')"
        )
        connection.exec_driver_sql(
            "INSERT INTO ticket_tags (ticket_id, tag) SELECT id, 'vip-' || conversation_id FROM tickets"
        )
    store = TrackerStore("in-memory", None, "")

    records = privacy.export(database, {"conv-a"}, store)["records"]
    erased = privacy.erase(database, {"conv-a"}, store)

    assert [r["body"] for r in records["letters"]] == ["Dear Sam"]
    assert [r["tag"] for r in records["ticket_tags"]] == ["vip-conv-a"]
    assert (erased.rows["letters"], erased.rows["ticket_tags"]) == (1, 1)
    with database.connect() as connection:
        assert connection.exec_driver_sql("SELECT body FROM letters").scalars().all() == [
            "Dear Alex"
        ]


@pytest.fixture
def cli(database, use_settings):
    from bot.cli import main

    use_settings(SYNCDESK_DB_URL=str(database.url))
    return main


def test_cli_export_prints_the_json_and_escapes_what_could_drive_a_terminal(
    cli, database, held, tmp_path, capsys
):
    endpoints = str(tmp_path / "endpoints.yml")
    with database.begin() as connection:
        connection.exec_driver_sql(
            'UPDATE tickets SET transcript = \'[{"who": "customer", "text": "evil\u0085\u202e"}]\''
        )

    assert cli(["privacy", "export", "--account", "JL-1", "--endpoints", endpoints]) == 0

    out = capsys.readouterr().out
    assert "\u0085" not in out and "\u202e" not in out
    document = json.loads(out)
    assert document["subject"] == {"account": "JL-1"}
    assert document["conversations"] == ["conv-a", "conv-c"]
    assert document["records"]["tickets"][0]["transcript"][0]["text"] == "evil\u0085\u202e"
    assert set(document["tracker"]["events"]) == {"conv-a", "conv-c"}


def test_cli_erase_prints_the_counts(cli, held, tmp_path, capsys):
    endpoints = str(tmp_path / "endpoints.yml")

    assert cli(["privacy", "erase", "--conversation", "conv-b", "--endpoints", endpoints]) == 0

    out = capsys.readouterr().out
    assert "Erased 1 conversation(s) for --conversation conv-b:" in out
    assert "  tickets: 1\n" in out and "  diagnoses: 2\n" in out and "  ticket_notes: 1\n" in out
    assert "  tracker events: 1\n" in out


def test_cli_purge_says_what_is_wrong_with_the_setting(cli, use_settings, capsys):
    use_settings(SYNCDESK_RETENTION_DAYS="six months")

    assert cli(["privacy", "purge"]) == 2
    assert "SYNCDESK_RETENTION_DAYS must be a whole number of days" in capsys.readouterr().err


def test_cli_purge_with_the_in_memory_store_says_trackers_are_not_on_disk(cli, capsys):
    assert cli(["privacy", "purge", "--days", "30"]) == 0

    out = capsys.readouterr().out
    assert "Purged what was last changed more than 30 days ago:" in out
    assert "restarting the Rasa server erases every conversation" in out


def test_every_table_is_the_knowledge_bases_staff_only_or_tied_to_a_conversation(database):
    from bot.kb.load import kb_tables
    from bot.privacy.records import NOT_CUSTOMERS, plan, touched

    with database.connect() as connection:
        covered = {link.table.name: link for link in plan(connection)}
        tables = set(inspect(connection).get_table_names()) - {"alembic_version"}

    assert set(NOT_CUSTOMERS) <= tables, "NOT_CUSTOMERS names a table that no longer exists"
    assert tables == kb_tables() | set(NOT_CUSTOMERS) | set(covered)
    for link in covered.values():
        if link.parent is None:
            touched(link.table)  # the retention period applies to it
