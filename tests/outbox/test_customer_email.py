"""The email the customer sends themselves: their own message and values, never the guide's."""

from __future__ import annotations

from urllib.parse import unquote

from bot.handover import customer_message, email_body
from bot.replies import contacts_message

VALUES = {"invoice_number": "INV-0042", "tax_code": "OUTPUT2"}
PASTE = "Invoice: INV-0042 - The TaxType code OUTPUT2 does not exist or cannot be used"
TRANSCRIPT = [
    {"who": "customer", "text": "hi"},
    {"who": "bot", "text": "Hello! Paste the error."},
    {"who": "customer", "text": PASTE},
    {"who": "bot", "text": "I know this one ... Did that fix it?"},
    {"who": "customer", "text": "[button] deny"},
    {"who": "customer", "text": "no still failing"},
]


def test_the_customer_email_quotes_their_own_message_and_values(kb):
    entry = kb.error("tax-type-invalid")
    said = customer_message(TRANSCRIPT, VALUES)
    assert said == PASTE
    body = email_body("SD-000001", entry.title, said, VALUES, ["1. step"])
    assert f"Message: {PASTE}" in body
    assert "invoice INV-0042" in body and "tax code OUTPUT2" in body
    assert "[" not in body
    # The guide's template is never quoted, whatever a caller passes.
    assert "[invoice number]" in entry.message
    assert "Message:" not in email_body("SD-000001", entry.title, entry.message, VALUES, ())


def test_a_description_in_their_words_is_quoted_when_no_value_was_given():
    words = [
        {"who": "customer", "text": "hello"},
        {"who": "customer", "text": "my invoices won't go across to xero, says tax code is wrong"},
        {"who": "customer", "text": "no"},
    ]
    assert customer_message(words, {}) == words[1]["text"]
    assert customer_message([{"who": "customer", "text": "[button] request_human"}], {}) is None
    long_paste = "x " * 2000
    line = email_body(None, None, long_paste, {}, ()).splitlines()[1]
    assert line.startswith("Message: x x") and len(line) <= len("Message: ") + 500


def test_only_the_sync_errors_team_gets_the_pre_filled_email(source):
    body = email_body("SD-000001", "Tax code", PASTE, VALUES, ())
    message = contacts_message(source.contacts, links=True, subject="SD-000001: Tax code", body=body)
    support, success = message.splitlines()
    assert "mailto:support@joblogic.com?subject=SD-000001" in support
    assert unquote(support).count(PASTE) == 1
    assert "(mailto:customersuccess@joblogic.com)" in success  # plain: nothing pre-filled
    assert "SD-000001" not in success and "INV-0042" not in success
