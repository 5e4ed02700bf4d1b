"""The knowledge base of Xero sync errors: source data, tables, loading and queries."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import sessionmaker

from bot.db import engine, session_factory
from bot.kb.load import create_schema, load
from bot.kb.models import ErrorRow
from bot.kb.repository import Knowledge, KnowledgeBase, UnknownError
from bot.kb.source import ErrorEntry, SourceError, read_source
from bot.settings import Settings

__all__ = [
    "ErrorEntry",
    "Knowledge",
    "KnowledgeBase",
    "KnowledgeBaseUnavailable",
    "KnowledgeStore",
    "SourceError",
    "UnknownError",
    "ensure_loaded",
    "knowledge_base",
]

log = logging.getLogger(__name__)


class KnowledgeBaseUnavailable(RuntimeError):
    """The knowledge base database cannot be reached or rebuilt; the message names the fix."""


class KnowledgeStore:
    """The knowledge base of one database, kept in memory until a ``kb load`` changes it.

    Each read asks the database for the loaded source's fingerprint (one small query) and
    reads everything again only when it differs: a load under a running server is picked up
    at the next message, and a stale copy is never served.
    """

    def __init__(self, engine: Engine, source_dir: Path) -> None:
        """Read through ``engine``; rebuild a missing knowledge base from ``source_dir``."""
        self.engine = engine
        self.sessions = sessionmaker(engine, future=True, expire_on_commit=False)
        self.source_dir = source_dir
        self._lock = threading.Lock()
        self._checked = False
        self._cached: Knowledge | None = None

    def ensure_loaded(self) -> None:
        """Make sure the knowledge base is in the database, rebuilding it from the source if not.

        Raises:
            KnowledgeBaseUnavailable: the database cannot be opened or written.
        """
        try:
            # Adds any tables or columns a newer version brought; a no-op otherwise.
            added = create_schema(self.engine)
            with self.sessions.begin() as session:
                if session.scalar(select(ErrorRow.id).limit(1)) is not None and not added:
                    return
            if added:
                log.warning(
                    "The database predates %s: reloading the knowledge base from %s",
                    ", ".join(added),
                    self.source_dir,
                )
            else:
                log.warning("The knowledge base is missing: rebuilding it from %s", self.source_dir)
            with self.sessions.begin() as session:
                load(session, read_source(self.source_dir), force=bool(added))
        except SQLAlchemyError as problem:
            raise KnowledgeBaseUnavailable(
                f"The knowledge base database cannot be used ({type(problem).__name__}). "
                "Check SYNCDESK_DB_URL and that the database is reachable and writable, "
                "then run `python -m bot kb load`."
            ) from problem

    def knowledge(self) -> Knowledge:
        """Return the knowledge base as loaded now (the first use rebuilds a missing one).

        Raises:
            KnowledgeBaseUnavailable: the database cannot be opened or rebuilt.
            sqlalchemy.exc.SQLAlchemyError: the database failed after the first use.
        """
        if not self._checked:
            # Once per store; a failure is not remembered, so the next use tries again.
            self.ensure_loaded()
            self._checked = True
        with self.sessions.begin() as session:
            repository = KnowledgeBase(session)
            stamp = repository.fingerprint()
            cached = self._cached
            if cached is not None and cached.fingerprint == stamp:
                return cached
            # Read in the same transaction as the fingerprint, so the copy matches it.
            fresh = repository.snapshot()
        with self._lock:
            self._cached = fresh
        return fresh


def ensure_loaded(url: str | None = None) -> None:
    """Make sure the knowledge base at ``url`` (default: the configured one) is loaded.

    Raises:
        KnowledgeBaseUnavailable: the database cannot be opened or written.
    """
    settings = Settings.from_env()
    KnowledgeStore(engine(url or settings.db_url), settings.kb_source).ensure_loaded()


@contextmanager
def knowledge_base(url: str | None = None) -> Iterator[KnowledgeBase]:
    """Open the knowledge base at ``url`` for one unit of work, rebuilding it if it is missing.

    For one-off reads (the CLI, benches, tests); servers read through
    :meth:`bot.services.Services.knowledge`, which keeps it in memory.
    """
    url = url or Settings.from_env().db_url
    ensure_loaded(url)
    with session_factory(url).begin() as session:
        yield KnowledgeBase(session)
