"""The knowledge base of Xero sync errors: source data, tables, loading and queries."""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from bot.db import engine, session_factory
from bot.kb.load import create_schema, load
from bot.kb.models import ErrorRow
from bot.kb.repository import KnowledgeBase, UnknownError
from bot.kb.source import ErrorEntry, SourceError, read_source
from bot.settings import settings

__all__ = [
    "ErrorEntry",
    "KnowledgeBase",
    "KnowledgeBaseUnavailable",
    "SourceError",
    "UnknownError",
    "ensure_loaded",
    "knowledge_base",
]

log = logging.getLogger(__name__)


class KnowledgeBaseUnavailable(RuntimeError):
    """The knowledge base database cannot be reached or rebuilt; the message names the fix."""


def ensure_loaded(url: str | None = None) -> None:
    """Make sure the knowledge base is in the database, rebuilding it from the source if not.

    Raises:
        KnowledgeBaseUnavailable: the database cannot be opened or written.
    """
    url = url or settings().db_url
    try:
        # Adds any tables or columns a newer version brought; a no-op otherwise.
        added = create_schema(engine(url))
        with session_factory(url).begin() as session:
            if session.scalar(select(ErrorRow.id).limit(1)) is not None and not added:
                return
        if added:
            log.warning(
                "The database predates %s: reloading the knowledge base from %s",
                ", ".join(added),
                settings().kb_source,
            )
        else:
            log.warning(
                "The knowledge base is missing: rebuilding it from %s", settings().kb_source
            )
        with session_factory(url).begin() as session:
            load(session, read_source(settings().kb_source), force=bool(added))
    except SQLAlchemyError as problem:
        raise KnowledgeBaseUnavailable(
            f"The knowledge base database cannot be used ({type(problem).__name__}). "
            "Check SYNCDESK_DB_URL and that the database is reachable and writable, "
            "then run `python -m bot kb load`."
        ) from problem


@functools.lru_cache(maxsize=8)
def _checked(url: str) -> bool:
    # Once per process and URL; a failure is not cached, so the next use tries again.
    ensure_loaded(url)
    return True


@contextmanager
def knowledge_base(url: str | None = None) -> Iterator[KnowledgeBase]:
    """Open the knowledge base for one unit of work (committed on success).

    The first use in a process rebuilds a missing knowledge base from its source.
    """
    url = url or settings().db_url
    _checked(url)
    with session_factory(url).begin() as session:
        yield KnowledgeBase(session)
