"""The database behind the knowledge base and tickets: one engine per URL, made lazily."""

from __future__ import annotations

import functools
from pathlib import Path

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import sessionmaker

from bot.settings import settings

__all__ = ["engine", "session_factory"]


@functools.lru_cache(maxsize=8)
def engine(url: str | None = None) -> Engine:
    """Return the engine for ``url`` (default: the configured ``SYNCDESK_DB_URL``)."""
    url = url or settings().db_url
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, future=True, pool_pre_ping=True)
    database = parsed.database
    if database and database != ":memory:" and not database.startswith("file:"):
        try:
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        except OSError:
            pass  # connecting will fail with a database error the callers already handle
    made = create_engine(url, future=True, connect_args={"timeout": 15})
    event.listen(made, "connect", _sqlite_pragmas)
    return made


@functools.lru_cache(maxsize=8)
def session_factory(url: str | None = None) -> sessionmaker:
    """Return the session factory bound to :func:`engine` for ``url``."""
    return sessionmaker(engine(url), future=True, expire_on_commit=False)


def _sqlite_pragmas(connection, _record) -> None:  # type: ignore[no-untyped-def]
    # Rasa's server and the action server share the file: WAL lets one write while others read.
    # NORMAL is safe with WAL (no corruption; at worst the last commit is lost on power loss).
    cursor = connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
