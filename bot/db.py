"""The database under everything syncdesk stores: the declarative ``Base`` and the engines.

The knowledge base's tables, the handover tickets and the conversation records all subclass
:class:`Base`; this module imports nothing else of syncdesk's, so every layer can use it.
"""

from __future__ import annotations

import threading
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import DateTime, create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import registry, sessionmaker
from sqlalchemy.orm.decl_api import DeclarativeMeta
from sqlalchemy.pool import QueuePool
from sqlalchemy.types import TypeDecorator

from bot.settings import Settings

__all__ = ["Base", "UtcDateTime", "dispose", "engine", "make_engine", "session_factory", "utc_now"]



def utc_now() -> datetime:
    """Return the time now, in UTC: what every time column stores."""
    return datetime.now(timezone.utc)


class UtcDateTime(TypeDecorator):
    """A time column that reads back timezone-aware, in UTC, on every backend.

    PostgreSQL keeps the offset; SQLite keeps none and hands back naive datetimes. Everything
    stored is UTC, so a naive value read back is UTC: said once here instead of at every reader.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_result_value(self, value: Any, dialect: Any) -> datetime | None:
        """Return ``value`` with UTC as its zone when the database dropped it."""
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value


mapper_registry = registry()


class Base(metaclass=DeclarativeMeta):
    """The declarative base of every syncdesk table (typed form of ``declarative_base()``)."""

    __abstract__ = True
    registry = mapper_registry
    metadata = mapper_registry.metadata
    __init__ = mapper_registry.constructor


def make_engine(url: str) -> Engine:
    """Return a new engine for ``url``: SQLite in WAL mode with foreign keys, or any other."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, future=True, pool_pre_ping=True)
    database = parsed.database
    on_disk = bool(database) and database != ":memory:" and not database.startswith("file:")
    if on_disk:
        try:
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        except OSError:
            pass  # connecting will fail with a database error the callers already handle
        # SQLAlchemy 1.4 opens a new connection per session on SQLite files (NullPool); closing
        # the last one checkpoints the WAL: 30 ms a turn. Pooled, as 2.0 does by default.
        made = create_engine(
            url,
            future=True,
            poolclass=QueuePool,
            connect_args={"timeout": 15, "check_same_thread": False},
        )
    else:
        made = create_engine(url, future=True, connect_args={"timeout": 15})
    event.listen(made, "connect", _sqlite_pragmas)
    return made


# One engine (one connection pool) per URL in a process, shared by every Services object on
# that URL; dispose() forgets one (tests do, for their temporary databases).
_engines: dict[str, Engine] = {}
_lock = threading.Lock()


def engine(url: str | None = None) -> Engine:
    """Return the process's engine for ``url`` (default: ``SYNCDESK_DB_URL``), made once."""
    url = url or Settings.from_env().db_url
    with _lock:
        made = _engines.get(url)
        if made is None:
            made = _engines[url] = make_engine(url)
        return made


def session_factory(url: str | None = None) -> sessionmaker:
    """Return a session factory on :func:`engine` for ``url`` (objects stay usable after commit)."""
    return sessionmaker(engine(url), future=True, expire_on_commit=False)


def dispose(url: str) -> None:
    """Close the connections of ``url``'s engine and forget it."""
    with _lock:
        made = _engines.pop(url, None)
    if made is not None:
        made.dispose()


def _sqlite_pragmas(connection, _record) -> None:  # type: ignore[no-untyped-def]
    # Rasa's server and the action server share the file: WAL lets one write while others read.
    # NORMAL is safe with WAL (no corruption; at worst the last commit is lost on power loss).
    cursor = connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
