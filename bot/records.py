"""What conversations leave behind for the support team: diagnoses, outcomes and feedback.

The support report (:mod:`bot.support.report`) is drawn from these rows and the handover tickets.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from sqlalchemy import Boolean, Column, Integer, String, Text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from bot.db import Base, UtcDateTime, utc_now

__all__ = [
    "DiagnosisRow",
    "FeedbackRow",
    "OutcomeRow",
    "Records",
    "record_diagnosis",
    "record_feedback",
    "record_outcome",
]

#: How an error was identified.
HOW = ("pasted", "described", "picked", "unknown")
_EXCERPT = 500

log = logging.getLogger(__name__)



class DiagnosisRow(Base):
    """An error identified in a conversation, or a pasted error the knowledge base lacks."""

    __tablename__ = "diagnoses"
    id = Column(Integer, primary_key=True, autoincrement=True)
    created_at = Column(UtcDateTime, nullable=False, default=utc_now, index=True)
    conversation_id = Column(String(200), nullable=False, index=True)
    error_id = Column(String(80), index=True)  # None: an error message the KB doesn't know
    how = Column(String(20), nullable=False)
    excerpt = Column(Text)  # only for unknown errors: the gap in the knowledge base


class OutcomeRow(Base):
    """The customer said the fix for an error worked."""

    __tablename__ = "outcomes"
    id = Column(Integer, primary_key=True, autoincrement=True)
    created_at = Column(UtcDateTime, nullable=False, default=utc_now, index=True)
    conversation_id = Column(String(200), nullable=False, index=True)
    error_id = Column(String(80), nullable=False, index=True)
    outcome = Column(String(20), nullable=False)  # "fixed"


class FeedbackRow(Base):
    """A customer's answer to "was this helpful?" for one error's fix."""

    __tablename__ = "feedback"
    id = Column(Integer, primary_key=True, autoincrement=True)
    created_at = Column(UtcDateTime, nullable=False, default=utc_now, index=True)
    conversation_id = Column(String(200), nullable=False, index=True)
    error_id = Column(String(80), nullable=False, index=True)  # a slug, kept if the KB changes
    helpful = Column(Boolean, nullable=False)


def record_diagnosis(
    session: Session, conversation_id: str, error_id: str | None, how: str, excerpt: str = ""
) -> None:
    """Store that an error was identified (or, with no ``error_id``, that one was unknown)."""
    if how not in HOW:
        raise ValueError(f"how must be one of {HOW}, not {how!r}")
    session.add(
        DiagnosisRow(
            conversation_id=conversation_id[:200],
            error_id=error_id,
            how=how,
            excerpt=excerpt[:_EXCERPT] if error_id is None else None,
        )
    )


def record_outcome(session: Session, conversation_id: str, error_id: str, outcome: str) -> None:
    """Store the outcome of an error's fix."""
    session.add(
        OutcomeRow(conversation_id=conversation_id[:200], error_id=error_id, outcome=outcome)
    )


def record_feedback(session: Session, conversation_id: str, error_id: str, helpful: bool) -> None:
    """Store one answer to "was this helpful?"."""
    session.add(
        FeedbackRow(conversation_id=conversation_id[:200], error_id=error_id, helpful=helpful)
    )


class Records:
    """Keep what conversations leave behind; each call is its own unit of work.

    A record is worth less than the chat: a database failure is logged (without personal data)
    and reported as False, never raised.
    """

    def __init__(self, sessions: sessionmaker) -> None:
        """Write through ``sessions``."""
        self.sessions = sessions

    def diagnoses(self, conversation_id: str, error_ids: Iterable[str], how: str) -> bool:
        """Store that these errors were identified, and ``how``; False if it could not."""
        found = list(dict.fromkeys(error_ids))

        def write(session: Session) -> None:
            for error_id in found:
                record_diagnosis(session, conversation_id, error_id, how)

        return self._keep("diagnosis", write)

    def unknown(self, conversation_id: str, excerpt: str) -> bool:
        """Store an error message the knowledge base does not know (the gaps it should fill)."""
        return self._keep(
            "unknown error",
            lambda session: record_diagnosis(session, conversation_id, None, "unknown", excerpt),
        )

    def fixed(self, conversation_id: str, error_id: str) -> bool:
        """Store that the customer said the fix for ``error_id`` worked."""
        return self._keep(
            "outcome", lambda session: record_outcome(session, conversation_id, error_id, "fixed")
        )

    def feedback(self, conversation_id: str, error_id: str, helpful: bool) -> bool:
        """Store the answer to "was this helpful?"."""
        return self._keep(
            "feedback",
            lambda session: record_feedback(session, conversation_id, error_id, helpful),
        )

    def _keep(self, what: str, write: Callable[[Session], object]) -> bool:
        try:
            with self.sessions.begin() as session:
                write(session)
        except SQLAlchemyError as problem:
            log.error("Could not store the %s: %s", what, type(problem).__name__)
            return False
        return True
