"""The outbox table: emails to support, written in the same transaction as their ticket."""

from __future__ import annotations

from sqlalchemy import Column, Integer, String, Text

from bot.db import Base, UtcDateTime, utc_now

__all__ = ["OutboxRow", "STATUSES"]

#: pending: waiting (or waiting to retry); sending: claimed by a sender until ``claimed_until``;
#: sent: the SMTP server accepted it; failed: refused for good, until ``outbox retry``.
STATUSES = ("pending", "sending", "sent", "failed")



class OutboxRow(Base):
    """One email to the support inbox, composed when its ticket was written."""

    __tablename__ = "outbox"

    id = Column(Integer, primary_key=True, autoincrement=True)
    # The Message-ID header; unique, so one email can never be queued twice.
    message_id = Column(String(255), nullable=False, unique=True)
    ticket_reference = Column(String(20), nullable=False, index=True)
    kind = Column(String(10), nullable=False)  # ticket | follow_up
    recipient = Column(String(320), nullable=False)
    subject = Column(String(300), nullable=False)
    message = Column(Text, nullable=False)  # the whole RFC 5322 message, exactly as sent
    created_at = Column(UtcDateTime, nullable=False, default=utc_now)
    status = Column(String(10), nullable=False, default="pending", index=True)
    attempts = Column(Integer, nullable=False, default=0)
    next_attempt_at = Column(UtcDateTime, nullable=False, default=utc_now)
    claimed_by = Column(String(120))
    claimed_until = Column(UtcDateTime)
    sent_at = Column(UtcDateTime)
    last_error = Column(Text)
