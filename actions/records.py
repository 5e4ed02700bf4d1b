"""Write what a conversation leaves for the support team, without ever breaking the chat."""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from bot.db import session_factory

log = logging.getLogger(__name__)


def keep(what: str, write: Callable[[Session], None]) -> None:
    """Run ``write`` in its own transaction; log a failure (no personal data) and carry on."""
    try:
        with session_factory().begin() as session:
            write(session)
    except SQLAlchemyError as problem:
        log.error("Could not store the %s: %s", what, type(problem).__name__)
