"""The outbox queue: enqueue inside the ticket's transaction; claim, mark, list and retry.

Claiming is one conditional UPDATE (compare-and-set on status and lease), so two senders on
SQLite or PostgreSQL never both own a row; a sender that dies mid-send leaves a lease that
expires, and the row is sent again by the next sender.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from bot.db import utc_now
from bot.kb.repository import KnowledgeBase
from bot.outbox.compose import Email, follow_up_email, support_inbox, ticket_email
from bot.outbox.config import MailSettings
from bot.outbox.models import OutboxRow
from bot.settings import Settings
from bot.ticket_reference import read_reference

if TYPE_CHECKING:
    from bot.handover import Ticket

__all__ = [
    "Claimed",
    "OutboxEntry",
    "claim_next",
    "list_outbox",
    "mark_failed",
    "mark_retry",
    "mark_sent",
    "notify_support",
    "retry_failed",
]

log = logging.getLogger(__name__)



def notify_support(
    session: Session,
    ticket: Ticket,
    before: Ticket | None = None,
    *,
    mail: MailSettings | None = None,
) -> OutboxEntry | None:
    """Queue the email about ``ticket`` in ``session``'s transaction, so both commit or neither.

    Args:
        session: The session the ticket is being written in.
        ticket: The ticket as it is now.
        before: The ticket as it was, when a later turn found it again: a follow-up in the same
            thread is queued if anything changed. None: a new ticket.
        mail: The email settings (``services.settings.mail``; default: the environment's).
            No SMTP server, no email.

    Returns:
        The queued email, or None when nothing is sent.
    """
    mail = mail or Settings.from_env().mail
    if not mail.enabled:
        return None
    kb = KnowledgeBase(session)
    inbox = support_inbox(kb.contacts())
    if inbox is None:
        log.error("The desk lists no support email: ticket %s not emailed", ticket.reference)
        return None
    where = dict(inbox=inbox, sender=mail.sender, domain=mail.domain)
    email: Email | None
    if before is None:
        email = ticket_email(kb, ticket, **where)
        kind = "ticket"
    else:
        email = follow_up_email(kb, before, ticket, **where)
        kind = "follow_up"
    if email is None:
        return None
    row = OutboxRow(
        message_id=email.message_id,
        ticket_reference=ticket.reference,
        kind=kind,
        recipient=email.recipient,
        subject=email.subject[:300],
        message=email.message.as_string(),
        status="pending",
        attempts=0,
        next_attempt_at=utc_now(),
    )
    session.add(row)
    session.flush()
    return _entry(row)


@dataclass(frozen=True)
class OutboxEntry:
    """An email in the outbox, as support sees it."""

    id: int
    ticket_reference: str
    kind: str
    message_id: str
    recipient: str
    subject: str
    status: str
    attempts: int
    created_at: datetime
    next_attempt_at: datetime
    sent_at: datetime | None
    last_error: str | None

    def to_json(self) -> dict[str, object]:
        """Return the entry as JSON-ready data."""
        return {
            name: value.isoformat() if isinstance(value, datetime) else value
            for name, value in self.__dict__.items()
        }


@dataclass(frozen=True)
class Claimed:
    """An email a sender owns until it marks it."""

    id: int
    message: str
    attempts: int


def _due(now: datetime):  # type: ignore[no-untyped-def]
    return or_(
        and_(OutboxRow.status == "pending", OutboxRow.next_attempt_at <= now),
        and_(OutboxRow.status == "sending", OutboxRow.claimed_until < now),
    )


def claim_next(session: Session, worker: str, lease: timedelta) -> Claimed | None:
    """Claim the oldest email that is due, for ``worker``, until ``lease`` has passed."""
    now = utc_now()
    for row_id in session.scalars(
        select(OutboxRow.id).where(_due(now)).order_by(OutboxRow.id).limit(5)
    ).all():
        claimed = session.execute(
            update(OutboxRow)
            .where(OutboxRow.id == row_id, _due(now))
            .values(
                status="sending",
                claimed_by=worker,
                claimed_until=now + lease,
                attempts=OutboxRow.attempts + 1,
            )
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount == 1:
            row = session.get(OutboxRow, row_id, populate_existing=True)
            assert row is not None
            return Claimed(row.id, row.message, row.attempts)
    return None


def _release(session: Session, claimed: Claimed, worker: str, **values: object) -> bool:
    result = session.execute(
        update(OutboxRow)
        .where(
            OutboxRow.id == claimed.id,
            OutboxRow.status == "sending",
            OutboxRow.claimed_by == worker,
        )
        .values(claimed_by=None, claimed_until=None, **values)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def mark_sent(session: Session, claimed: Claimed, worker: str) -> bool:
    """Mark a claimed email delivered."""
    return _release(session, claimed, worker, status="sent", sent_at=utc_now(), last_error=None)


def mark_retry(
    session: Session, claimed: Claimed, worker: str, problem: str, wait: timedelta
) -> bool:
    """Put a claimed email back, to be tried again after ``wait``."""
    return _release(
        session,
        claimed,
        worker,
        status="pending",
        next_attempt_at=utc_now() + wait,
        last_error=problem[:1000],
    )


def mark_failed(session: Session, claimed: Claimed, worker: str, problem: str) -> bool:
    """Mark a claimed email refused for good (until ``outbox retry``)."""
    return _release(session, claimed, worker, status="failed", last_error=problem[:1000])


def list_outbox(
    session: Session, status: str | None = None, limit: int = 20
) -> list[OutboxEntry]:
    """Return emails in the outbox, newest first, optionally only those with ``status``."""
    query = select(OutboxRow).order_by(OutboxRow.id.desc()).limit(limit)
    if status:
        query = query.where(OutboxRow.status == status)
    return [_entry(row) for row in session.scalars(query)]


def retry_failed(session: Session, reference: str | None = None) -> int:
    """Queue failed (and waiting) emails again now, all or one ticket's; return how many."""
    query = update(OutboxRow).where(OutboxRow.status.in_(("failed", "pending")))
    if reference:
        stored = read_reference(reference)
        if stored is None:
            return 0
        query = query.where(OutboxRow.ticket_reference == stored)
    result = session.execute(
        query.values(status="pending", next_attempt_at=utc_now()).execution_options(
            synchronize_session=False
        )
    )
    return int(result.rowcount)


def _entry(row: OutboxRow) -> OutboxEntry:
    return OutboxEntry(
        id=row.id,
        ticket_reference=row.ticket_reference,
        kind=row.kind,
        message_id=row.message_id,
        recipient=row.recipient,
        subject=row.subject,
        status=row.status,
        attempts=row.attempts,
        created_at=row.created_at,
        next_attempt_at=row.next_attempt_at,
        sent_at=row.sent_at,
        last_error=row.last_error,
    )
