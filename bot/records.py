"""What conversations leave behind for the support team: feedback on fixes."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import Boolean, Column, DateTime, Integer, String
from sqlalchemy.orm import Session

from bot.kb.models import Base

__all__ = ["FeedbackRow", "record_feedback"]


def _now() -> datetime:
    return datetime.now(timezone.utc)


class FeedbackRow(Base):
    """A customer's answer to "was this helpful?" for one error's fix."""

    __tablename__ = "feedback"
    id = Column(Integer, primary_key=True, autoincrement=True)
    created_at = Column(DateTime(timezone=True), nullable=False, default=_now)
    conversation_id = Column(String(200), nullable=False, index=True)
    error_id = Column(String(80), nullable=False, index=True)  # a slug, kept if the KB changes
    helpful = Column(Boolean, nullable=False)


def record_feedback(session: Session, conversation_id: str, error_id: str, helpful: bool) -> None:
    """Store one answer to "was this helpful?"."""
    session.add(FeedbackRow(conversation_id=conversation_id, error_id=error_id, helpful=helpful))
