"""The outbox against a real SMTP server on loopback and a real SQLite database."""

from __future__ import annotations

import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import func, select, text, update
from sqlalchemy.exc import OperationalError

from bot.handover import HandoverRequest, TicketRow, open_ticket
from bot.outbox import OutboxRow, Sender, list_outbox, thread_id
from bot.outbox.compose import customer_email, new_turns
from bot.outbox.config import parse_smtp_url
from bot.outbox.queue import claim_next
from bot.settings import Settings

sys.path.insert(0, str(Path(__file__).resolve().parent))
from loopback_smtp import Inbox, smtp_server  # noqa: E402

TRANSCRIPT = [
    {"who": "customer", "text": "Invoice: INV-0042 - The TaxType code OUTPUT2 does not exist"},
    {"who": "bot", "text": "I know this one: Xero won't accept the tax code."},
    {"who": "customer", "text": "no that didn't work"},
]


def request(**changes) -> HandoverRequest:  # type: ignore[no-untyped-def]
    base = dict(
        conversation_id="conv-1",
        channel="socketio",
        reason="fix_did_not_work",
        error_id="tax-type-invalid",
        values={"invoice_number": "INV-0042", "tax_code": "OUTPUT2"},
        steps=["1. You, in Xero (Tax rates): add OUTPUT2"],
        answers=[{"question": "if_fixed", "answer": "no"}],
        transcript=TRANSCRIPT,
        customer={"account_id": "ACME-0042", "user_name": "Sam Jones"},
    )
    base.update(changes)
    return HandoverRequest(**base)  # type: ignore[arg-type]


def outbox_rows(sessions) -> list[OutboxRow]:  # type: ignore[no-untyped-def]
    with sessions.begin() as session:
        return list(session.scalars(select(OutboxRow).order_by(OutboxRow.id)))


def test_a_handover_delivers_one_email_with_everything_support_needs(sessions, smtp_port):
    with sessions.begin() as session:
        ticket = open_ticket(session, request())
    with smtp_server(smtp_port) as inbox:
        first = Sender(sessions, Settings.from_env().mail).run()
        again = Sender(sessions, Settings.from_env().mail).run()  # a second pass sends nothing
    assert (first.sent, again.sent) == (1, 0)
    [email] = inbox.messages
    assert email["To"] == "support@joblogic.com"  # the support email of data/kb/desk.yml
    assert email["Subject"].startswith(f"{ticket.reference}: ")
    assert "INV-0042" in email["Subject"]
    assert email["Message-ID"] == thread_id(ticket, "bot.example.test")
    assert email["Reply-To"] is None  # no customer email in this conversation
    body = email.get_content()
    for expected in (
        f"Reference: {ticket.reference}",
        "The customer says the fix did not work.",
        "OUTPUT2",  # the error in plain words, with the customer's values
        "invoice_number: INV-0042",
        "1. You, in Xero (Tax rates): add OUTPUT2",
        "Did that fix it? no",
        "Customer context (UNVERIFIED",
        "account_id: ACME-0042",
        "Customer: no that didn't work",
    ):
        assert expected in body
    assert "[" not in email["Subject"]  # never the guide's [placeholders]
    [row] = outbox_rows(sessions)
    assert (row.status, row.attempts, row.ticket_reference) == ("sent", 1, ticket.reference)


def test_a_later_turn_sends_a_follow_up_in_the_same_thread(sessions, smtp_port):
    with sessions.begin() as session:
        ticket = open_ticket(session, request())
    later = [*TRANSCRIPT, {"who": "bot", "text": "Glad it works."},
             {"who": "customer", "text": "actually it failed again"}]
    answers = [{"question": "if_fixed", "answer": "no"},
               {"question": "if_fixed", "answer": "no, it failed again later"}]
    with sessions.begin() as session:
        open_ticket(session, request(transcript=later, answers=answers))
    with sessions.begin() as session:  # the same turn retried: nothing new, no email
        open_ticket(session, request(transcript=later, answers=answers))
    with smtp_server(smtp_port) as inbox:
        Sender(sessions, Settings.from_env().mail).run()
    first, follow_up = inbox.messages
    root = thread_id(ticket, "bot.example.test")
    assert first["Message-ID"] == root
    assert follow_up["In-Reply-To"] == root and follow_up["References"] == root
    assert follow_up["Message-ID"] != root
    assert follow_up["Subject"] == "Re: " + first["Subject"].split(" (")[0]
    body = follow_up.get_content()
    assert "Did that fix it? no, it failed again later" in body
    assert "Customer: actually it failed again" in body
    assert "no that didn't work" not in body  # support already has the earlier turns


def test_no_ticket_without_its_email(sessions):
    # A real fault: the outbox table is gone, so queueing the email fails inside the ticket's
    # transaction, and the ticket must not be written either.
    with sessions.begin() as session:
        session.execute(text("ALTER TABLE outbox RENAME TO outbox_gone"))
    with pytest.raises(OperationalError), sessions.begin() as session:
        open_ticket(session, request())
    with sessions.begin() as session:
        assert session.scalar(select(func.count()).select_from(TicketRow)) == 0
        session.execute(text("ALTER TABLE outbox_gone RENAME TO outbox"))
    with sessions.begin() as session:  # once it is back, ticket and email are written together
        ticket = open_ticket(session, request())
    assert [row.ticket_reference for row in outbox_rows(sessions)] == [ticket.reference]


def test_no_smtp_url_means_no_email(db_url, monkeypatch):
    from bot.db import engine, session_factory
    from bot.kb.load import create_schema

    monkeypatch.delenv("SYNCDESK_SMTP_URL", raising=False)
    create_schema(engine(db_url))
    with session_factory(db_url).begin() as session:
        assert open_ticket(session, request()).new
    assert outbox_rows(session_factory(db_url)) == []


def test_a_down_server_is_retried_with_back_off_and_delivered_once(
    sessions, smtp_port, monkeypatch
):
    # A back-off of a minute, then the test moves the retry time back itself: a 0.3 s back-off
    # raced the checks below on a loaded machine (starting the SMTP server takes a while).
    monkeypatch.setenv("SYNCDESK_OUTBOX_RETRY_SECONDS", "60")
    with sessions.begin() as session:
        open_ticket(session, request())
    sender = Sender(sessions, Settings.from_env().mail)
    down = sender.run()
    assert (down.sent, down.retrying) == (0, 1)
    [row] = outbox_rows(sessions)
    assert row.status == "pending" and row.attempts == 1 and "Connection" in row.last_error
    assert row.next_attempt_at > datetime.now(timezone.utc) + timedelta(seconds=50)
    assert sender.run().retrying == 0  # not due yet: back-off
    with smtp_server(smtp_port) as inbox:
        assert sender.run(forever=False).sent == 0  # still backing off
        with sessions.begin() as session:
            past = datetime.now(timezone.utc) - timedelta(seconds=1)
            session.execute(update(OutboxRow).values(next_attempt_at=past))
        assert sender.run().sent == 1
        assert sender.run().sent == 0
    assert len(inbox.messages) == 1
    [row] = outbox_rows(sessions)
    assert (row.status, row.attempts, row.last_error) == ("sent", 2, None)


def test_a_sender_that_died_mid_send_is_taken_over_after_its_lease(sessions, smtp_port):
    with sessions.begin() as session:
        open_ticket(session, request())
    with sessions.begin() as session:  # a sender claims it, then dies before marking it
        assert claim_next(session, "dead-sender", timedelta(minutes=5)) is not None
    with smtp_server(smtp_port) as inbox:
        assert Sender(sessions, Settings.from_env().mail).run().sent == 0  # leased: not touched
        with sessions.begin() as session:
            past = datetime.now(timezone.utc) - timedelta(seconds=1)
            session.execute(update(OutboxRow).values(claimed_until=past))
        assert Sender(sessions, Settings.from_env().mail).run().sent == 1
    assert len(inbox.messages) == 1


def test_a_refused_email_is_kept_as_failed_until_retried(sessions, smtp_port):
    from bot.cli import main

    with sessions.begin() as session:
        ticket = open_ticket(session, request())
    with smtp_server(smtp_port, Inbox(refuse=("support@joblogic.com",))):
        assert Sender(sessions, Settings.from_env().mail).run().failed == 1
    with sessions.begin() as session:
        [entry] = list_outbox(session, "failed")
    assert entry.ticket_reference == ticket.reference and "550" in str(entry.last_error)
    assert main(["outbox", "retry", ticket.reference]) == 0
    with smtp_server(smtp_port) as inbox:
        assert Sender(sessions, Settings.from_env().mail).run().sent == 1
    assert len(inbox.messages) == 1
    assert main(["outbox", "list", "--status", "sent"]) == 0


def test_reply_to_and_verified_context(sessions, smtp_port):
    assert customer_email({"email": "Sam Jones <sam@acme.example>"}) == "sam@acme.example"
    assert customer_email({"email": "not an address"}) is None
    from bot.handover import Ticket
    from bot.kb.repository import KnowledgeBase
    from bot.outbox.compose import ticket_email

    ticket = Ticket(
        reference="SD-000009", created_at=datetime(2026, 11, 27, tzinfo=timezone.utc),
        status="open", conversation_id="c", channel="socketio", error_id=None,
        reason="customer_asked", values={}, steps={}, transcript=[],
        customer={"user_name": "Sam", "email": "sam@acme.example", "verified": "true"},
        note="Our contract renewal",
    )
    with sessions.begin() as session:
        made = ticket_email(KnowledgeBase(session), ticket, inbox="support@joblogic.com",
                            sender="syncdesk@bot.example.test", domain="bot.example.test")
    assert made.message["Reply-To"] == "sam@acme.example"
    body = made.message.get_content()
    assert "Customer context (verified" in body and "> Our contract renewal" in body


def test_new_turns_follow_the_clipped_transcript():
    a, b, c, d = ({"who": "customer", "text": t} for t in "abcd")
    assert new_turns([a, b, c], [b, c, d]) == [d]  # the oldest turn fell off the window
    assert new_turns([a, b], [a, b]) == []
    assert new_turns([], [a]) == [a]


def test_smtp_urls():
    server = parse_smtp_url("smtps://desk%40acme.example:p%40ss@mail.example:2465")
    assert (server.host, server.port, server.tls) == ("mail.example", 2465, True)
    assert (server.user, server.password) == ("desk@acme.example", "p@ss")
    assert "p@ss" not in repr(server)
    assert parse_smtp_url("smtp://mail.example").port == 25
    with pytest.raises(ValueError):
        parse_smtp_url("http://mail.example")
