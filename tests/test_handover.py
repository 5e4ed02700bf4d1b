import re
from urllib.parse import unquote

from bot import db
from bot.handover import (
    HandoverRequest,
    clean_customer,
    close_ticket,
    email_body,
    find_ticket,
    list_tickets,
    open_ticket,
)
from bot.replies import contact_link, contacts_message


def request(**changes):
    base = dict(
        conversation_id="conv-1",
        channel="socketio",
        reason="fix_did_not_work",
        error_id="tax-type-invalid",
        values={"invoice_number": "INV-0042", "tax_code": "OUTPUT2"},
        steps=["1. You, in Xero (Tax rates): add OUTPUT2"],
        answers=[{"question": "if_fixed", "answer": "no"}],
        transcript=[{"who": "customer", "text": "hi"}, {"who": "bot", "text": "hello"}],
        customer={"account_id": "ACME-1", "user_name": "Sam Jones", "token": "secret"},
    )
    base.update(changes)
    return HandoverRequest(**base)


def test_one_ticket_per_conversation_and_error(db_url):
    with db.session_factory(db_url).begin() as session:
        first = open_ticket(session, request())
    with db.session_factory(db_url).begin() as session:
        again = open_ticket(session, request(reason="customer_asked"))
        other_error = open_ticket(session, request(error_id="tax-rate-inactive"))
        no_error = open_ticket(session, request(error_id=None))
        no_error_again = open_ticket(session, request(error_id=None))
        other_conversation = open_ticket(session, request(conversation_id="conv-2"))
    assert first.new and not again.new
    assert again.reference == first.reference
    assert re.fullmatch(r"SD-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}", first.reference)
    refs = {
        first.reference,
        other_error.reference,
        no_error.reference,
        other_conversation.reference,
    }
    assert len(refs) == 4
    assert no_error_again.reference == no_error.reference


def test_ticket_keeps_context_and_drops_unknown_customer_fields(db_url):
    with db.session_factory(db_url).begin() as session:
        ticket = open_ticket(session, request())
    with db.session_factory(db_url).begin() as session:
        stored = find_ticket(session, ticket.reference.lower())
    assert stored is not None
    assert stored.values == {"invoice_number": "INV-0042", "tax_code": "OUTPUT2"}
    assert stored.customer == {"account_id": "ACME-1", "user_name": "Sam Jones", "verified": "no"}
    assert stored.steps["answers"] == [{"question": "if_fixed", "answer": "no"}]
    assert stored.transcript[-1] == {"who": "bot", "text": "hello"}
    assert stored.status == "open"


def test_list_and_close(db_url):
    with db.session_factory(db_url).begin() as session:
        a = open_ticket(session, request())
        b = open_ticket(session, request(conversation_id="conv-2"))
    with db.session_factory(db_url).begin() as session:
        assert close_ticket(session, a.reference).status == "closed"
        assert close_ticket(session, "SD-999999") is None
    with db.session_factory(db_url).begin() as session:
        assert [t.reference for t in list_tickets(session, "open")] == [b.reference]
        assert [t.reference for t in list_tickets(session)] == [b.reference, a.reference]


def test_clean_customer_never_trusts_shapes():
    assert clean_customer({"user_name": "<b>x</b>" * 100, "account_id": {"nested": 1}}) == {
        "user_name": ("<b>x</b>" * 100)[:200],
        "verified": "no",
    }


def test_clean_customer_marks_only_a_verified_identity_as_verified():
    claim = {"account_id": "JL-1042", "user_name": "Sam Patel", "email": "sam@example.com"}
    assert clean_customer(claim)["verified"] == "no"
    assert clean_customer({**claim, "verified": "true"})["verified"] == "no"  # only the flag True
    assert clean_customer({**claim, "verified": True}) == {**claim, "verified": "yes"}
    assert clean_customer({}) == {}


def test_email_body_has_reference_error_values_and_steps():
    body = email_body(
        "SD-000007",
        "Xero won't accept the tax code",
        "The TaxType code...",
        {"invoice_number": "INV-1"},
        ["1. step"],
    )
    assert body.splitlines()[:4] == [
        "Reference: SD-000007",
        "Error: Xero won't accept the tax code",
        "Message: The TaxType code...",
        "Details: invoice INV-1",
    ]
    assert "- 1. step" in body


def test_contact_links(source):
    phone, email, success = source.contacts
    assert contact_link(phone) == "tel:08003265561"
    link = contact_link(email, subject="SD-000001: Tax code", body="Reference: SD-000001\n")
    assert link.startswith("mailto:support@joblogic.com?subject=SD-000001%3A%20Tax%20code&body=")
    assert unquote(link.split("body=")[1]) == "Reference: SD-000001\n"
    text = contacts_message(source.contacts, links=False)
    assert text.splitlines()[0].startswith(
        "- Support Team: call 0800 326 5561 or email support@joblogic.com."
    )
    assert "customersuccess@joblogic.com" in text.splitlines()[1]
    assert "[0800 326 5561](tel:08003265561)" in contacts_message(source.contacts, links=True)


def test_what_it_is_about_is_kept_on_a_ticket_without_an_error(db_url):
    about = "  question about our contract renewal  "
    with db.session_factory(db_url).begin() as session:
        ticket = open_ticket(session, request(error_id=None, reason="customer_asked", note=about))
    with db.session_factory(db_url).begin() as session:
        again = open_ticket(session, request(error_id=None, note=None))  # asked again later
        stored = find_ticket(session, ticket.reference)
    assert ticket.note == "question about our contract renewal"
    assert again.reference == ticket.reference and not again.new
    assert stored is not None and stored.note == "question about our contract renewal"
    assert stored.to_json()["note"] == "question about our contract renewal"


def test_alternatives_reach_the_ticket_and_the_email_marked_as_alternatives(kb):
    from bot.advice import advise

    steps = advise(kb.error("tax-type-invalid"), {"tax_code": "OUTPUT2"}, kb.actors()).step_lines()
    assert [s[: s.index(":")] for s in steps] == ["1a. Either", "1b. Or", "1c. Or"]
    assert steps[2].startswith("1c. Or: Joblogic support: ")  # no "(Joblogic support)"
    body = email_body("SD-000001", "Tax code", None, {}, steps)
    assert "- 1a. Either: You, in Xero (Xero › Accounting › Advanced › Tax rates): " in body
    assert "- 1b. Or: You, in Joblogic" in body


def test_support_reach_is_one_line_for_the_sync_errors_team(source):
    from bot.replies import support_reach

    assert support_reach(source.contacts, links=False) == (
        "call 0800 326 5561 or email support@joblogic.com"
    )
    linked = support_reach(source.contacts, links=True, subject="SD-000001: Tax code")
    assert "[0800 326 5561](tel:08003265561)" in linked
    assert "(mailto:support@joblogic.com?subject=SD-000001%3A%20Tax%20code)" in linked
    assert "customersuccess" not in linked
    assert support_reach([], links=False) == "contact Joblogic's Support Team"
