"""Rasa's conversation trackers, as far as syncdesk can reach them without Rasa.

The tracker store is whatever the endpoints file Rasa reads configures (``Settings.endpoints``:
``endpoints.prod.yml`` when ``SYNCDESK_ENV=production``, else ``endpoints.yml``, as
scripts/run-server chooses). Only
the SQL tracker store is on disk where syncdesk can read and delete it: its ``events`` table,
one row per event. The in-memory store (the default) and Redis are described, not touched.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import Column, Float, Integer, MetaData, String, Table, Text, delete, func, select
from sqlalchemy.engine import URL, Connection, make_url

from bot.privacy.records import account_ids
from bot.settings import PROJECT_ROOT

__all__ = [
    "TrackerStore",
    "delete_events",
    "events_of",
    "senders_idle_since",
    "senders_of_account",
    "tracker_store",
]

_VARIABLE = re.compile(r"\$\{([^}]+)\}")

# Rasa 3.6's SQLTrackerStore table (rasa/core/tracker_store.py, SQLEvent): only what we query.
_EVENTS = Table(
    "events",
    MetaData(),
    Column("id", Integer, primary_key=True),
    Column("sender_id", String(255), nullable=False),
    Column("type_name", String(255), nullable=False),
    Column("timestamp", Float),
    Column("intent_name", String(255)),
    Column("action_name", String(255)),
    Column("data", Text),
)

_IN_MEMORY_STORES = {"inmemory", "components.tracker_store.boundedinmemorytrackerstore"}


@dataclass(frozen=True)
class TrackerStore:
    """Where Rasa keeps conversation trackers, and whether syncdesk covers them.

    Attributes:
        kind: ``sql``, ``in-memory``, ``redis`` or the store type the endpoints name.
        url: the SQL tracker store's database (only for ``sql``).
        note: what is and isn't covered, in a sentence for the person running the command.
    """

    kind: str
    url: URL | None
    note: str

    @property
    def covered(self) -> bool:
        """Whether export, erase and purge reach the trackers."""
        return self.url is not None


def tracker_store(endpoints: Path, variables: Mapping[str, str] | None = None) -> TrackerStore:
    """Read the tracker store from an endpoints file, expanding ``${VAR}`` as Rasa does.

    Args:
        endpoints: Rasa's endpoints file (``Settings.endpoints``).
        variables: what ``${VAR}`` stands for: the environment Rasa runs in
            (``bot.settings.process_environment()``); default none.

    Raises:
        ValueError: the file names a variable that is not set.
    """
    env = {} if variables is None else variables
    config = (yaml.safe_load(endpoints.read_text(encoding="utf-8")) or {}).get("tracker_store")
    kind = str((config or {}).get("type") or "").lower()
    # syncdesk's own bounded store (components/tracker_store.py) keeps memory only, as Rasa's.
    if not kind or kind in _IN_MEMORY_STORES:
        return TrackerStore(
            "in-memory",
            None,
            f"{endpoints.name} keeps conversations in the Rasa server's memory only: nothing is "
            "on disk, and restarting the Rasa server erases every conversation.",
        )
    if kind != "sql":
        detail = {
            "redis": "each conversation is a Redis key (`tracker:<conversation id>`, after "
            "any key_prefix); delete it with redis-cli DEL, or set record_exp so keys expire",
        }.get(kind, "remove them with that store's own tools")
        return TrackerStore(
            kind,
            None,
            f"NOT covered: Rasa keeps conversations in a {kind} tracker store ({endpoints.name}) "
            f"that syncdesk does not read or delete: {detail}.",
        )
    values = {key: _expanded(value, env) for key, value in (config or {}).items()}
    return TrackerStore("sql", _sql_url(values), "Rasa's SQL tracker store (events table).")


def events_of(connection: Connection, conversations: Collection[str]) -> dict[str, list[Any]]:
    """Return each conversation's events, oldest first, as Rasa stored them."""
    found: dict[str, list[Any]] = {sender: [] for sender in sorted(conversations)}
    rows = connection.execute(
        select(_EVENTS.c.sender_id, _EVENTS.c.data)
        .where(_EVENTS.c.sender_id.in_(list(conversations)))
        .order_by(_EVENTS.c.timestamp, _EVENTS.c.id)
    )
    for sender, data in rows:
        found[sender].append(json.loads(data) if data else None)
    return {sender: events for sender, events in found.items() if events}


def delete_events(connection: Connection, conversations: Collection[str]) -> int:
    """Delete every event of these conversations; return how many."""
    if not conversations:
        return 0
    done = connection.execute(delete(_EVENTS).where(_EVENTS.c.sender_id.in_(list(conversations))))
    return int(done.rowcount or 0)


def senders_idle_since(connection: Connection, cutoff_timestamp: float) -> set[str]:
    """Return the conversations whose last event is older than ``cutoff_timestamp`` (epoch s)."""
    last = func.max(_EVENTS.c.timestamp)
    query = (
        select(_EVENTS.c.sender_id).group_by(_EVENTS.c.sender_id).having(last < cutoff_timestamp)
    )
    return set(connection.scalars(query))


def senders_of_account(connection: Connection, account_id: str) -> set[str]:
    """Return the conversations whose messages carried ``account_id`` in their metadata."""
    found = set()
    candidates = connection.execute(
        select(_EVENTS.c.sender_id, _EVENTS.c.data).where(
            _EVENTS.c.type_name == "user", _EVENTS.c.data.contains(account_id, autoescape=True)
        )
    )
    for sender, data in candidates:
        metadata = (json.loads(data) or {}).get("metadata") if data else None
        if account_id in account_ids(metadata):
            found.add(sender)
    return found


def _expanded(value: Any, env: Mapping[str, str]) -> Any:
    if not isinstance(value, str):
        return value

    def variable(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in env:
            raise ValueError(f"the tracker store's settings need ${{{name}}}, which is not set")
        return env[name]

    return _VARIABLE.sub(variable, value)


def _sql_url(config: Mapping[str, Any]) -> URL:
    # As Rasa's SQLTrackerStore.get_db_url: a full URL in `url` wins; else dialect and parts.
    dialect = str(config.get("dialect") or "sqlite")
    host = config.get("url")
    database = str(config.get("db") or "rasa.db")
    if host and "://" in str(host):
        return make_url(str(host))
    if dialect == "sqlite" and not host:
        # Rasa runs in the project folder, so a relative file is relative to it.
        return URL.create("sqlite", database=str(PROJECT_ROOT / database))
    port = config.get("port")
    return URL.create(
        dialect,
        username=config.get("username"),
        password=config.get("password"),
        host=str(host) if host else None,
        port=int(port) if port not in (None, "") else None,
        database=database,
        query=config.get("query") or {},
    )
