"""What conversations leave behind for the support team: diagnoses, outcomes and feedback.

The support report (:mod:`bot.support.report`) is drawn from these rows and the handover tickets.
"""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import Boolean, Column, DateTime, Integer, String, Text
from sqlalchemy.orm import Session

from bot.kb.models import Base

__all__ = [
    "DiagnosisRow",
    "FeedbackRow",
    "OutcomeRow",
    "record_diagnosis",
    "record_feedback",
    "record_outcome",
]

#: How an error was identified.
HOW = ("pasted", "described", "picked", "unknown")
_EXCERPT = 500


def _now() -> datetime:
    return datetime.now(timezone.utc)


class DiagnosisRow(Base):
    """An error identified in a conversation, or a pasted error the knowledge base lacks."""

    __tablename__ = "diagnoses"
    id = Column(Integer, primary_key=True, autoincrement=True)
    created_at = Column(DateTime(timezone=True), nullable=False, default=_now, index=True)
    conversation_id = Column(String(200), nullable=False, index=True)
    error_id = Column(String(80), index=True)  # None: an error message the KB doesn't know
    how = Column(String(20), nullable=False)
    excerpt = Column(Text)  # only for unknown errors: the gap in the knowledge base


class OutcomeRow(Base):
    """The customer said the fix for an error worked."""

    __tablename__ = "outcomes"
    id = Column(Integer, primary_key=True, autoincrement=True)
    created_at = Column(DateTime(timezone=True), nullable=False, default=_now, index=True)
    conversation_id = Column(String(200), nullable=False, index=True)
    error_id = Column(String(80), nullable=False, index=True)
    outcome = Column(String(20), nullable=False)  # "fixed"


class FeedbackRow(Base):
    """A customer's answer to "was this helpful?" for one error's fix."""

    __tablename__ = "feedback"
    id = Column(Integer, primary_key=True, autoincrement=True)
    created_at = Column(DateTime(timezone=True), nullable=False, default=_now, index=True)
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
