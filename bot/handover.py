"""Hand a conversation over to Joblogic support: one ticket per conversation and error.

A ticket carries everything the bot learned (error, values, steps tried, a short transcript,
the in-app customer context) so the customer never has to explain twice.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Integer, String, Text, UniqueConstraint, select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from bot.db import Base, UtcDateTime, utc_now
from bot.outbox import MailSettings, notify_support
from bot.replies import clipped, value_summary
from bot.ticket_reference import new_reference, read_reference

__all__ = [
    "CUSTOMER_FIELDS",
    "HandoverRequest",
    "Ticket",
    "TicketRow",
    "close_ticket",
    "customer_message",
    "email_body",
    "email_subject",
    "find_ticket",
    "hand_over",
    "list_tickets",
    "open_ticket",
]

log = logging.getLogger(__name__)

#: The in-app widget's context kept on a ticket; anything else it sends is dropped.
CUSTOMER_FIELDS = ("account_id", "user_name", "email", "app_version", "screen")
_REFERENCE_ATTEMPTS = 3
_NO_ERROR = "-"  # error_key when no known error was identified (NULLs would not de-duplicate)
_TRANSCRIPT_TURNS = 30
_TEXT_LIMIT = 1000
_QUOTE_LIMIT = 500  # of the customer's message in a mailto: link
# The guide's placeholders ("[Invoice number]"): a template, not what the customer saw.
_GUIDE_PLACEHOLDER = re.compile(r"\[[A-Za-z][A-Za-z ]*\]")



class TicketRow(Base):
    """A handover to Joblogic support."""

    __tablename__ = "tickets"
    __table_args__ = (UniqueConstraint("conversation_id", "error_key", name="uq_ticket_error"),)

    id = Column(Integer, primary_key=True, autoincrement=True)
    reference = Column(String(20), unique=True)
    created_at = Column(UtcDateTime, nullable=False, default=utc_now)
    updated_at = Column(UtcDateTime, nullable=False, default=utc_now)
    status = Column(String(10), nullable=False, default="open")
    conversation_id = Column(String(200), nullable=False, index=True)
    channel = Column(String(40), nullable=False)
    error_key = Column(String(80), nullable=False)
    error_id = Column(String(80))
    reason = Column(String(40), nullable=False)
    values = Column(JSON, nullable=False)
    steps = Column(JSON, nullable=False)  # the fix steps shown, and what the customer answered
    transcript = Column(JSON, nullable=False)  # [{"who": "customer"|"bot", "text": ...}]
    customer = Column(JSON, nullable=False)
    note = Column(Text)


@dataclass(frozen=True)
class HandoverRequest:
    """What the conversation knows when people have to step in."""

    conversation_id: str
    channel: str
    reason: str  # support_required | fix_did_not_work | customer_asked | unknown_error | not_placed
    error_id: str | None = None
    values: Mapping[str, str] = field(default_factory=dict)
    steps: Sequence[str] = ()
    answers: Sequence[Mapping[str, str]] = ()
    transcript: Sequence[Mapping[str, str]] = ()
    customer: Mapping[str, Any] = field(default_factory=dict)
    note: str | None = None  # what it's about, in the customer's words, when no error is known


@dataclass(frozen=True)
class Ticket:
    """A ticket as support and the customer see it."""

    reference: str
    created_at: datetime
    status: str
    conversation_id: str
    channel: str
    error_id: str | None
    reason: str
    values: dict[str, str]
    steps: dict[str, Any]
    transcript: list[dict[str, str]]
    customer: dict[str, str]
    note: str | None = None
    new: bool = False  # created by this call, rather than found

    def to_json(self) -> dict[str, Any]:
        """Return the ticket as JSON-ready data."""
        return {
            "reference": self.reference,
            "created_at": self.created_at.isoformat(),
            "status": self.status,
            "conversation_id": self.conversation_id,
            "channel": self.channel,
            "error_id": self.error_id,
            "reason": self.reason,
            "values": self.values,
            "steps": self.steps,
            "transcript": self.transcript,
            "customer": self.customer,
            "note": self.note,
        }


def open_ticket(
    session: Session, request: HandoverRequest, mail: MailSettings | None = None
) -> Ticket:
    """Return the conversation's ticket for this error, creating it the first time.

    Retries and repeated "no"s find the same ticket; a race between two servers is settled by
    the database's unique constraint. ``mail``: where its email goes (default: the environment's).
    """
    key = request.error_id or _NO_ERROR
    existing = _find(session, request.conversation_id, key)
    if existing is not None:
        before = _ticket(existing)
        _refresh(existing, request)
        ticket = _ticket(existing)
        notify_support(session, ticket, before, mail=mail)  # a follow-up, if anything changed
        return ticket
    row = TicketRow(
        reference=new_reference(),
        conversation_id=request.conversation_id[:200],
        channel=request.channel[:40],
        error_key=key,
        error_id=request.error_id,
        reason=request.reason,
        values=dict(request.values),
        steps={"shown": list(request.steps), "answers": [dict(a) for a in request.answers]},
        transcript=_clip_transcript(request.transcript),
        customer=clean_customer(request.customer),
        note=_clip(request.note),
    )
    for attempt in range(_REFERENCE_ATTEMPTS):
        try:
            with session.begin_nested():
                session.add(row)
                session.flush()
                ticket = _ticket(row, new=True)
                # Its email, inside the savepoint: on SQLite, releasing it commits both at once.
                notify_support(session, ticket, mail=mail)
            return ticket
        except IntegrityError:
            # Another server created it between our look-up and insert...
            existing = _find(session, request.conversation_id, key)
            if existing is not None:
                return _ticket(existing)
            if attempt == _REFERENCE_ATTEMPTS - 1:
                raise
            # ...or (one in billions) the random reference is taken: draw another.
            row.reference = new_reference()  # the savepoint's rollback made the row new again
    raise AssertionError("unreachable")  # the loop returns or raises


def hand_over(
    sessions: sessionmaker, request: HandoverRequest, mail: MailSettings | None = None
) -> Ticket | None:
    """Open (or find) the request's ticket in its own transaction; None if the database failed.

    A failure is logged with what is needed to recover the ticket, and no personal data: the
    customer still gets the contacts.
    """
    try:
        with sessions.begin() as session:
            return open_ticket(session, request, mail)
    except SQLAlchemyError as problem:
        log.error(
            "Could not write the handover ticket (conversation %s, error %s, reason %s): %s. "
            "Recover it from the conversation's tracker once the database is back.",
            request.conversation_id,
            request.error_id or "none",
            request.reason,
            type(problem).__name__,
        )
        return None


def find_ticket(session: Session, reference: str) -> Ticket | None:
    """Return the ticket with this reference (as a person would type it), or None."""
    row = _row_by_reference(session, reference)
    return None if row is None else _ticket(row)


def list_tickets(session: Session, status: str | None = None) -> list[Ticket]:
    """Return tickets, newest first, optionally only those with ``status``."""
    query = select(TicketRow).order_by(TicketRow.id.desc())
    if status:
        query = query.where(TicketRow.status == status)
    return [_ticket(row) for row in session.scalars(query)]


def close_ticket(session: Session, reference: str) -> Ticket | None:
    """Mark a ticket closed; return it, or None if there is no such ticket."""
    row = _row_by_reference(session, reference)
    if row is None:
        return None
    row.status = "closed"
    row.updated_at = utc_now()
    return _ticket(row)


def clean_customer(context: Mapping[str, Any]) -> dict[str, str]:
    """Keep the known customer-context fields as short strings, and whether they were verified.

    ``verified`` is "yes" only when the channel verified a token signed by the Joblogic app
    (bot.security); anything else a browser sent is kept as a claim, marked "no".
    """
    cleaned = {
        name: str(context[name])[:200]
        for name in CUSTOMER_FIELDS
        if isinstance(context.get(name), (str, int, float)) and str(context[name]).strip()
    }
    if cleaned:
        cleaned["verified"] = "yes" if context.get("verified") is True else "no"
    return cleaned


def email_subject(reference: str | None, title: str | None) -> str:
    """Return the subject line of the pre-filled email to support."""
    about = title or "Xero sync error"
    return f"{reference}: {about}" if reference else about


def email_body(
    reference: str | None,
    title: str | None,
    message: str | None,
    values: Mapping[str, str],
    tried: Sequence[str],
) -> str:
    """Return the body of the pre-filled email: reference, error, values and what was tried.

    ``message`` is the customer's own message (see :func:`customer_message`); the guide's
    template of an error (with ``[Invoice number]`` placeholders) is never quoted.
    """
    lines = [f"Reference: {reference}" if reference else "Reference: (none yet)"]
    if title:
        lines.append(f"Error: {title}")
    said = " ".join((message or "").split())
    if said and not _GUIDE_PLACEHOLDER.search(said):
        lines.append(f"Message: {clipped(said, _QUOTE_LIMIT)}")
    summary = value_summary(dict(values))
    if summary:
        lines.append(f"Details: {summary}")
    if tried:
        lines.append("What I tried:")
        lines.extend(f"- {step}" for step in tried)
    lines.append("")
    return "\n".join(lines)


def customer_message(
    transcript: Sequence[Mapping[str, str]], values: Mapping[str, str]
) -> str | None:
    """Return the customer's own message about the error, to quote in their email.

    The latest message that holds one of their values (the pasted error), else their longest
    (a description in their words); never a button.
    """
    said = [
        str(turn.get("text") or "")
        for turn in transcript
        if turn.get("who") == "customer" and not str(turn.get("text") or "").startswith("[button]")
    ]
    said = [text for text in said if text.strip()]
    known = [value for value in values.values() if value]
    with_values = [text for text in said if any(value in text for value in known)]
    if with_values:
        return with_values[-1]
    return max(said, key=len, default=None)


def _find(session: Session, conversation_id: str, key: str) -> TicketRow | None:
    return session.scalar(
        select(TicketRow).where(
            TicketRow.conversation_id == conversation_id[:200], TicketRow.error_key == key
        )
    )


def _refresh(row: TicketRow, request: HandoverRequest) -> None:
    # A later handover for the same error adds what happened since, without a new ticket.
    row.transcript = _clip_transcript(request.transcript) or row.transcript
    if request.answers:
        row.steps = {**(row.steps or {}), "answers": [dict(a) for a in request.answers]}
    row.note = _clip(request.note) or row.note
    row.updated_at = utc_now()


def _row_by_reference(session: Session, reference: str) -> TicketRow | None:
    stored = read_reference(reference)
    if stored is None:
        return None
    return session.scalar(select(TicketRow).where(TicketRow.reference == stored))


def _clip(text: str | None) -> str | None:
    return text.strip()[:_TEXT_LIMIT] if text and text.strip() else None


def _clip_transcript(turns: Sequence[Mapping[str, str]]) -> list[dict[str, str]]:
    return [
        {"who": str(t.get("who", "")), "text": str(t.get("text", ""))[:_TEXT_LIMIT]}
        for t in list(turns)[-_TRANSCRIPT_TURNS:]
    ]


def _ticket(row: TicketRow, new: bool = False) -> Ticket:
    return Ticket(
        reference=row.reference,
        created_at=row.created_at,
        status=row.status,
        conversation_id=row.conversation_id,
        channel=row.channel,
        error_id=row.error_id,
        reason=row.reason,
        values=dict(row.values or {}),
        steps=dict(row.steps or {}),
        transcript=list(row.transcript or []),
        customer=dict(row.customer or {}),
        note=row.note,
        new=new,
    )
