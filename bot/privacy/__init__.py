"""Privacy: export or erase what syncdesk holds about a customer, and keep nothing too long.

What is held about a conversation: its tickets (and their notes and emails), the diagnoses
(with the excerpts of error messages the knowledge base doesn't know), outcomes and feedback,
and Rasa's tracker when the SQL tracker store is configured (bot.privacy.trackers says what is
and isn't covered otherwise). An account is every conversation whose tickets or messages carry
its ``account_id``. ``purge`` applies the retention period (``Settings.retention_days``,
``SYNCDESK_RETENTION_DAYS``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import create_engine
from sqlalchemy.engine import Connection, Engine

from bot.privacy import records, trackers
from bot.privacy.records import UncoveredTable
from bot.privacy.trackers import TrackerStore
from bot.settings import DEFAULT_RETENTION_DAYS

__all__ = [
    "DEFAULT_RETENTION_DAYS",
    "Erased",
    "TrackerStore",
    "UncoveredTable",
    "conversations_of_account",
    "erase",
    "export",
    "purge",
]


@dataclass(frozen=True)
class Erased:
    """What an erase or purge deleted: rows per table, and tracker events."""

    conversations: tuple[str, ...]
    rows: dict[str, int] = field(default_factory=dict)
    events: int = 0


def conversations_of_account(engine: Engine, account_id: str, store: TrackerStore) -> set[str]:
    """Return the conversations of an account, from tickets and (SQL store) from messages."""
    with engine.connect() as connection:
        found = records.conversations_of_account(connection, account_id)
    if store.url is not None:
        with _tracker_connection(store, engine) as tracker:
            found |= trackers.senders_of_account(tracker, account_id)
    return found


def export(engine: Engine, conversations: Collection[str], store: TrackerStore) -> dict[str, Any]:
    """Return everything held about these conversations, as one JSON-ready document."""
    with engine.connect() as connection:
        rows = records.rows_of(connection, records.by_conversation(conversations))
    tracker: dict[str, Any] = {"store": store.kind, "covered": store.covered, "note": store.note}
    if store.url is not None:
        with _tracker_connection(store, engine) as connection:
            tracker["events"] = trackers.events_of(connection, conversations)
    return {
        "exported_at": datetime.now(timezone.utc).isoformat(),
        "conversations": sorted(conversations),
        "records": rows,
        "tracker": tracker,
    }


def erase(engine: Engine, conversations: Collection[str], store: TrackerStore) -> Erased:
    """Delete everything held about these conversations."""
    with engine.begin() as connection:
        rows = records.delete_rows(connection, records.by_conversation(conversations))
    events = 0
    if store.url is not None:
        with _tracker_connection(store, engine, write=True) as connection:
            events = trackers.delete_events(connection, conversations)
    return Erased(tuple(sorted(conversations)), rows, events)


def purge(engine: Engine, days: int, store: TrackerStore, *, now: datetime | None = None) -> Erased:
    """Delete what is older than ``days`` (the retention period).

    Records go by their last change; a tracker only as a whole conversation, once its last event
    is that old (deleting part of one would corrupt it).
    """
    cutoff = (now or datetime.now(timezone.utc)) - timedelta(days=days)
    with engine.begin() as connection:
        rows = records.delete_rows(connection, records.older_than(cutoff))
    idle: set[str] = set()
    events = 0
    if store.url is not None:
        with _tracker_connection(store, engine, write=True) as connection:
            idle = trackers.senders_idle_since(connection, cutoff.timestamp())
            events = trackers.delete_events(connection, idle)
    return Erased(tuple(sorted(idle)), rows, events)


@contextlib.contextmanager
def _tracker_connection(
    store: TrackerStore, ours: Engine, *, write: bool = False
) -> Iterator[Connection]:
    """Open the tracker store's database (through our engine when it is the same database)."""
    if store.url is None:
        raise ValueError(f"the {store.kind} tracker store is not in a database")
    shared = store.url == ours.url
    engine = ours if shared else create_engine(store.url, future=True)
    try:
        with engine.begin() if write else engine.connect() as connection:
            yield connection
    finally:
        if not shared:
            engine.dispose()
