"""Seed helpers for the support tests: conversation rows at chosen times."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from bot.handover import HandoverRequest, TicketRow, open_ticket
from bot.records import DiagnosisRow, FeedbackRow, OutcomeRow


class Seed:
    """Writes the rows a conversation leaves, each with an explicit created_at."""

    def __init__(self, session):
        self.session = session

    def diagnosis(self, conversation, error_id, how, when, excerpt=None):
        self.session.add(
            DiagnosisRow(
                conversation_id=conversation,
                error_id=error_id,
                how=how,
                excerpt=excerpt,
                created_at=when,
            )
        )

    def fixed(self, conversation, error_id, when):
        self.session.add(
            OutcomeRow(
                conversation_id=conversation, error_id=error_id, outcome="fixed", created_at=when
            )
        )

    def feedback(self, conversation, error_id, helpful, when):
        self.session.add(
            FeedbackRow(
                conversation_id=conversation, error_id=error_id, helpful=helpful, created_at=when
            )
        )

    def ticket(self, conversation, error_id, when, status="open", **fields):
        request = HandoverRequest(
            conversation_id=conversation,
            channel=fields.pop("channel", "socketio"),
            reason=fields.pop("reason", "fix_did_not_work"),
            error_id=error_id,
            **fields,
        )
        ticket = open_ticket(self.session, request)
        self.session.execute(
            update(TicketRow)
            .where(TicketRow.reference == ticket.reference)
            .values(created_at=when, status=status)
        )
        return ticket.reference


@pytest.fixture
def seed(db_url):
    """Return a function that runs ``fill(Seed)`` in one committed transaction."""
    from bot import db

    def run(fill):
        with db.session_factory(db_url).begin() as session:
            return fill(Seed(session))

    return run
