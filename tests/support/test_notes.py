from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import delete, func, select

from bot import db
from bot.handover import TicketRow
from bot.support import add_note, notes_for
from bot.support.notes import NOTE_LIMIT, TicketNoteRow

WHEN = datetime(2024, 5, 2, 9, tzinfo=timezone.utc)


@pytest.fixture
def reference(seed):
    return seed(lambda s: s.ticket("conv-1", "tax-type-invalid", WHEN))


def test_notes_are_kept_oldest_first_and_clipped(db_url, reference):
    with db.session_factory(db_url).begin() as session:
        add_note(session, reference.lower(), "  first  ")
        add_note(session, reference, "x" * (NOTE_LIMIT + 10))
    with db.session_factory(db_url).begin() as session:
        notes = notes_for(session, reference)
    assert [n.text for n in notes] == ["first", "x" * NOTE_LIMIT]
    assert all(n.created_at.tzinfo is not None for n in notes)


def test_no_note_on_a_missing_ticket_and_none_blank(db_url, reference):
    with db.session_factory(db_url).begin() as session:
        assert add_note(session, "SD-NOPE", "done") is None
        with pytest.raises(ValueError):
            add_note(session, reference, " \n ")
        assert session.scalar(select(func.count()).select_from(TicketNoteRow)) == 0


def test_deleting_a_ticket_deletes_its_notes(db_url, reference):
    with db.session_factory(db_url).begin() as session:
        add_note(session, reference, "done")
    with db.session_factory(db_url).begin() as session:
        session.execute(delete(TicketRow).where(TicketRow.reference == reference))
    with db.session_factory(db_url).begin() as session:
        assert session.scalar(select(func.count()).select_from(TicketNoteRow)) == 0
