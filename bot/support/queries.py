"""What support reads from the database: the report's figures and the newest tickets.

Repository functions: each takes an open session and runs ``select()`` queries; none commits.
Report dates are whole days in UTC, both ends included.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from sqlalchemy import and_, case, distinct, func, select, union
from sqlalchemy.orm import Session

from bot.handover import TicketRow
from bot.kb.source import ErrorEntry
from bot.records import DiagnosisRow, FeedbackRow, OutcomeRow

__all__ = [
    "HOW",
    "ErrorFigures",
    "Outcomes",
    "ReportData",
    "UnknownMessage",
    "newest_tickets",
    "report_data",
]

#: The ways a known error can be identified, in the order the report shows them.
HOW = ("pasted", "described", "picked")
#: Distinct unknown messages one conversation can add to the report's list: one client pasting
#: hundreds of variants must not push everyone else's gaps out of sight.
UNKNOWN_PER_CONVERSATION = 3


@dataclass(frozen=True)
class ErrorFigures:
    """One error's figures over the range (conversations, except tickets and feedback answers)."""

    error_id: str
    title: str
    identified: int = 0
    fixed: int = 0
    handed_over: int = 0
    helpful: int = 0
    not_helpful: int = 0


@dataclass(frozen=True)
class UnknownMessage:
    """An error message the knowledge base doesn't know, and how many conversations pasted it."""

    excerpt: str
    conversations: int


@dataclass(frozen=True)
class Outcomes:
    """How conversations ended: each conversation counts once, so the four add up.

    A conversation with a ticket was handed over, even if the customer had said an earlier fix
    worked; otherwise one where the customer said the fix worked was confirmed fixed; otherwise
    one that was shown a fix left without answering "did that fix it?" (counted as assumed
    fixed, as support bots report it); the rest found no known error and opened no ticket.
    """

    confirmed_fixed: int = 0
    left_without_answering: int = 0
    handed_over: int = 0
    no_known_error: int = 0

    @property
    def total(self) -> int:
        """Return the number of conversations."""
        return (
            self.confirmed_fixed
            + self.left_without_answering
            + self.handed_over
            + self.no_known_error
        )

    @property
    def assumed_fixed(self) -> int:
        """Return the conversations counted as fixed without the customer saying so."""
        return self.left_without_answering

    @property
    def resolved(self) -> int:
        """Return the conversations the bot resolved: confirmed plus assumed fixed."""
        return self.confirmed_fixed + self.assumed_fixed


@dataclass(frozen=True)
class ReportData:
    """Everything the report shows, as plain numbers."""

    start: date
    end: date  # included
    outcomes: Outcomes
    errors: tuple[ErrorFigures, ...]  # errors with any figure in the range, most identified first
    how: tuple[tuple[str, int], ...]  # (pasted|described|picked, conversation-errors first so)
    handed_over_unidentified: int  # tickets with no known error
    tickets_open: int
    tickets_closed: int
    unknown: tuple[UnknownMessage, ...]  # pasted in the most conversations first

    @property
    def conversations(self) -> int:
        """Return the number of conversations that left anything in the range."""
        return self.outcomes.total

    @property
    def identified(self) -> int:
        """Return the number of (conversation, error) pairs identified."""
        return sum(e.identified for e in self.errors)

    @property
    def fixed(self) -> int:
        """Return the number of (conversation, error) pairs the customer said were fixed."""
        return sum(e.fixed for e in self.errors)

    @property
    def tickets(self) -> int:
        """Return the number of tickets opened, with or without a known error."""
        return self.tickets_open + self.tickets_closed

    @property
    def unknown_conversations(self) -> int:
        """Return how many conversations pasted an error the knowledge base doesn't know."""
        return sum(u.conversations for u in self.unknown)

    @property
    def empty(self) -> bool:
        """Return True when no conversation left anything in the range."""
        return self.conversations == 0


def report_data(
    session: Session, start: date, end: date, errors: Iterable[ErrorEntry]
) -> ReportData:
    """Count what conversations left between ``start`` and ``end`` (whole UTC days, inclusive).

    Args:
        session: an open session on the syncdesk database.
        start: the first day.
        end: the last day.
        errors: the knowledge base's errors, for their titles and order.
    """
    since = datetime.combine(start, time.min, tzinfo=timezone.utc)
    until = datetime.combine(end + timedelta(days=1), time.min, tzinfo=timezone.utc)

    def during(column: Any) -> Any:
        return and_(column >= since, column < until)

    known = and_(during(DiagnosisRow.created_at), DiagnosisRow.error_id.is_not(None))
    identified = _counts(
        session,
        select(DiagnosisRow.error_id, func.count(distinct(DiagnosisRow.conversation_id)))
        .where(known)
        .group_by(DiagnosisRow.error_id),
    )
    # A conversation that pasted an error and later picked it counts once, by how it began.
    first = (
        select(func.min(DiagnosisRow.id).label("id"))
        .where(known)
        .group_by(DiagnosisRow.conversation_id, DiagnosisRow.error_id)
        .subquery()
    )
    how = _counts(
        session,
        select(DiagnosisRow.how, func.count())
        .join(first, DiagnosisRow.id == first.c.id)
        .group_by(DiagnosisRow.how),
    )
    fixed = _counts(
        session,
        select(OutcomeRow.error_id, func.count(distinct(OutcomeRow.conversation_id)))
        .where(during(OutcomeRow.created_at), OutcomeRow.outcome == "fixed")
        .group_by(OutcomeRow.error_id),
    )
    tickets = _counts(
        session,
        select(TicketRow.error_id, func.count())
        .where(during(TicketRow.created_at))
        .group_by(TicketRow.error_id),
    )
    statuses = _counts(
        session,
        select(TicketRow.status, func.count())
        .where(during(TicketRow.created_at))
        .group_by(TicketRow.status),
    )
    answers = session.execute(
        select(
            FeedbackRow.error_id,
            FeedbackRow.helpful,
            func.count(distinct(FeedbackRow.conversation_id)),
        )
        .where(during(FeedbackRow.created_at))
        .group_by(FeedbackRow.error_id, FeedbackRow.helpful)
    ).all()
    helpful = {error_id: n for error_id, yes, n in answers if yes}
    not_helpful = {error_id: n for error_id, yes, n in answers if not yes}
    pasted = session.execute(
        select(DiagnosisRow.conversation_id, DiagnosisRow.excerpt)
        .where(during(DiagnosisRow.created_at), DiagnosisRow.error_id.is_(None))
        .order_by(DiagnosisRow.id)
    ).all()

    entries = {entry.id: entry for entry in errors}
    unidentified = tickets.pop(None, 0)
    slugs = set(identified) | set(fixed) | set(tickets) | set(helpful) | set(not_helpful)
    slugs.discard(None)
    figures = [
        ErrorFigures(
            error_id=slug,
            title=entries[slug].title if slug in entries else slug,  # an error since removed
            identified=identified.get(slug, 0),
            fixed=fixed.get(slug, 0),
            handed_over=tickets.get(slug, 0),
            helpful=helpful.get(slug, 0),
            not_helpful=not_helpful.get(slug, 0),
        )
        for slug in slugs
    ]
    order = {slug: entry.number for slug, entry in entries.items()}
    figures.sort(key=lambda f: (-f.identified, order.get(f.error_id, 10_000), f.error_id))
    return ReportData(
        start=start,
        end=end,
        outcomes=_outcomes(session, during),
        errors=tuple(figures),
        how=tuple((way, how.get(way, 0)) for way in HOW),
        handed_over_unidentified=unidentified,
        tickets_open=statuses.get("open", 0),
        tickets_closed=statuses.get("closed", 0),
        unknown=_unknown_messages(pasted),
    )


def newest_tickets(
    session: Session,
    *,
    limit: int | None = 20,
    since: datetime | None = None,
    channel: str | None = None,
    status: str | None = None,
) -> tuple[list[str], int]:
    """Return the references of the newest matching tickets, and how many match in all.

    Args:
        session: an open session on the syncdesk database.
        limit: at most this many references (None: all).
        since: only tickets created at or after this time.
        channel: only tickets from this channel (``socketio``, ``rest``, ...).
        status: only tickets with this status (``open`` or ``closed``).
    """
    conditions = []
    if since is not None:
        conditions.append(TicketRow.created_at >= since)
    if channel:
        conditions.append(TicketRow.channel == channel)
    if status:
        conditions.append(TicketRow.status == status)
    matching = session.scalar(select(func.count()).select_from(TicketRow).where(*conditions))
    query = select(TicketRow.reference).where(*conditions).order_by(TicketRow.id.desc())
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query)), int(matching or 0)


def _outcomes(session: Session, during: Any) -> Outcomes:
    conversations = union(
        select(DiagnosisRow.conversation_id).where(during(DiagnosisRow.created_at)),
        select(OutcomeRow.conversation_id).where(during(OutcomeRow.created_at)),
        select(FeedbackRow.conversation_id).where(during(FeedbackRow.created_at)),
        select(TicketRow.conversation_id).where(during(TicketRow.created_at)),
    ).subquery()
    conversation = conversations.c.conversation_id
    handed_over = select(TicketRow.conversation_id).where(during(TicketRow.created_at))
    # "Was it helpful?" is only asked once the customer said the fix worked.
    confirmed = union(
        select(OutcomeRow.conversation_id).where(
            during(OutcomeRow.created_at), OutcomeRow.outcome == "fixed"
        ),
        select(FeedbackRow.conversation_id).where(during(FeedbackRow.created_at)),
    )
    shown_a_fix = select(DiagnosisRow.conversation_id).where(
        during(DiagnosisRow.created_at), DiagnosisRow.error_id.is_not(None)
    )
    ending = case(
        (conversation.in_(handed_over), "handed_over"),
        (conversation.in_(confirmed), "confirmed_fixed"),
        (conversation.in_(shown_a_fix), "left_without_answering"),
        else_="no_known_error",
    ).label("ending")
    endings = select(ending).subquery()
    counts = _counts(session, select(endings.c.ending, func.count()).group_by(endings.c.ending))
    return Outcomes(**counts)


def _counts(session: Session, query: Any) -> dict[Any, int]:
    return {key: int(count) for key, count in session.execute(query).all()}


def _unknown_messages(rows: Iterable[Any]) -> tuple[UnknownMessage, ...]:
    # The same message pasted with different spacing or line breaks is one gap; each message
    # counts the conversations that pasted it, and a conversation adds at most a few messages.
    per_conversation: dict[str, list[str]] = defaultdict(list)
    for conversation_id, excerpt in rows:
        text = re.sub(r"\s+", " ", excerpt or "").strip()
        seen = per_conversation[conversation_id]
        if text and text not in seen and len(seen) < UNKNOWN_PER_CONVERSATION:
            seen.append(text)
    counts = Counter(text for texts in per_conversation.values() for text in texts)
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return tuple(UnknownMessage(excerpt=text, conversations=n) for text, n in ranked)
