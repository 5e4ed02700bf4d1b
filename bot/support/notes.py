"""What support did about a ticket: notes recorded on it, oldest first.

Notes are kept in their own table rather than a column of ``tickets``: a ticket can gather more
than one, each with its time (closing twice keeps both), and the handover core stays unaware of
what support writes. Deleting a ticket deletes its notes (``ON DELETE CASCADE``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Column, ForeignKey, Integer, Text, select
from sqlalchemy.orm import Session

from bot.db import Base, UtcDateTime, utc_now
from bot.handover import TicketRow
from bot.ticket_reference import read_reference

__all__ = ["NOTE_LIMIT", "Note", "TicketNoteRow", "add_note", "notes_for"]

#: The longest note kept, in characters.
NOTE_LIMIT = 4000



class TicketNoteRow(Base):
    """A note support recorded on a ticket (e.g. what was done when closing it)."""

    __tablename__ = "ticket_notes"
    id = Column(Integer, primary_key=True, autoincrement=True)
    ticket_id = Column(
        Integer, ForeignKey("tickets.id", ondelete="CASCADE"), nullable=False, index=True
    )
    created_at = Column(UtcDateTime, nullable=False, default=utc_now)
    text = Column(Text, nullable=False)


@dataclass(frozen=True)
class Note:
    """A note as support reads it."""

    created_at: datetime
    text: str

    def to_json(self) -> dict[str, str]:
        """Return the note as JSON-ready data."""
        return {"created_at": self.created_at.isoformat(), "text": self.text}


def add_note(session: Session, reference: str, text: str) -> Note | None:
    """Record ``text`` on the ticket with this reference; None if there is no such ticket.

    Raises:
        ValueError: the note is blank.
    """
    text = text.strip()
    if not text:
        raise ValueError("a note needs some text")
    stored = read_reference(reference)
    ticket_id = stored and session.scalar(select(TicketRow.id).where(TicketRow.reference == stored))
    if ticket_id is None:
        return None
    row = TicketNoteRow(ticket_id=ticket_id, text=text[:NOTE_LIMIT])
    session.add(row)
    session.flush()
    return _note(row)


def notes_for(session: Session, reference: str) -> list[Note]:
    """Return the notes on the ticket with this reference, oldest first."""
    stored = read_reference(reference)
    if stored is None:
        return []
    rows = session.scalars(
        select(TicketNoteRow)
        .join(TicketRow, TicketRow.id == TicketNoteRow.ticket_id)
        .where(TicketRow.reference == stored)
        .order_by(TicketNoteRow.id)
    )
    return [_note(row) for row in rows]


def _note(row: TicketNoteRow) -> Note:
    return Note(created_at=row.created_at, text=row.text)
