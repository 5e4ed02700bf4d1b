"""The served bot over REST, as the support site and tooling use it."""

import json
import subprocess
import sys
import urllib.error
import urllib.request
import uuid

import pytest

from bot import db
from bot.handover import find_ticket
from bot.kb.source import read_source
from bot.settings import PROJECT_ROOT

from .conftest import free_port, rasa_env, start_action_server, stop

pytestmark = pytest.mark.integration

PASTES = {
    "tax-type-invalid": "Invoice: INV-0042 - The TaxType code OUTPUT2 does not exist or cannot be used for this type of transaction. The TaxType code OUTPUT2 cannot be used with account code 200.",
    "payment-account-type-invalid": "Payment: Invoice INV-0042, Amount: £ 1,234.50, Account Code: 090 - Account type is invalid for making a payment to/from",
    "account-code-invalid-for-document": "Account code '400' is not a valid code for this document.",
    "credit-note-exceeds-outstanding": "Credit Note: CN-0012 - The invoice you are trying to allocate to has already been paid off. Credit Note cannot be allocated as amount is greater than amount outstanding",
    "account-code-missing": "Account: Petty Cash - The Code field is required",
}


def slots(bot, sender):
    return bot.tracker(sender)["slots"]


def test_hi_gets_a_greeting_with_quick_start_buttons(running_bot):
    replies = running_bot.say(f"hi-{uuid.uuid4()}", "hi")
    assert "syncdesk" in replies[0]["text"]
    assert [b["title"] for b in replies[0]["buttons"]] == [
        "I have an error message",
        "I don't have the message",
        "Talk to a person",
    ]


@pytest.mark.parametrize("error_id", sorted(PASTES))
def test_pasted_error_sets_sync_error(running_bot, error_id):
    sender = f"paste-{uuid.uuid4()}"
    replies = running_bot.say(sender, PASTES[error_id])
    assert replies, "no reply"
    assert slots(running_bot, sender)["sync_error"] == error_id


def test_not_fixed_hands_over_with_a_stored_ticket(running_bot):
    sender = f"handover-{uuid.uuid4()}"
    running_bot.say(sender, PASTES["tax-type-invalid"])
    replies = running_bot.say(sender, "no, still failing")
    text = "\n".join(r.get("text", "") for r in replies)
    reference = slots(running_bot, sender)["ticket_ref"]
    assert reference and reference in text
    assert "0800 326 5561" in text
    with db.session_factory(running_bot.db_url).begin() as session:
        ticket = find_ticket(session, reference)
    assert ticket is not None and ticket.error_id == "tax-type-invalid"
    assert ticket.values["invoice_number"] == "INV-0042"
    assert ticket.channel == "rest"


def test_tracker_api_needs_the_token(running_bot):
    sender = f"auth-{uuid.uuid4()}"
    running_bot.say(sender, "hi")
    for token in ("", "wrong"):
        with pytest.raises(urllib.error.HTTPError) as refused:
            running_bot.tracker(sender, token=token)
        assert refused.value.code in (401, 403)


@pytest.mark.parametrize("message", ["", "   ", "<script>alert(1)</script>", "🙂🙂🙂"])
def test_odd_messages_get_a_reply(running_bot, message):
    replies = running_bot.say(f"odd-{uuid.uuid4()}", message)
    assert replies and all(r.get("text") or r.get("buttons") for r in replies)


def test_a_long_pasted_log_gets_a_diagnosis(running_bot):
    sender = f"log-{uuid.uuid4()}"
    noise = "\n".join(f"2026-11-25 09:{i % 60:02d}:01 INFO job {i} synced" for i in range(400))
    running_bot.say(sender, f"{noise}\nInvoice: J-7781/2 - Invoice # must be unique\n{noise}")
    current = slots(running_bot, sender)
    assert (current["sync_error"], current["invoice_number"]) == (
        "invoice-number-duplicate",
        "J-7781/2",
    )


def _explain_via_action_server(port: int) -> str:
    """Ask the running action server to explain tax-type-invalid; return what it says."""
    tracker = {
        "sender_id": f"kb-reload-{uuid.uuid4()}",
        "slots": {"candidate": {"error_id": "tax-type-invalid", "values": {}, "how": "exact"}},
        "latest_message": {"text": "yes", "intent": {"name": "affirm"}, "entities": []},
        "events": [],
        "paused": False,
        "followup_action": None,
        "active_loop": {},
        "latest_action_name": "action_listen",
    }
    body = {"next_action": "action_confirmed_error", "sender_id": tracker["sender_id"],
            "tracker": tracker, "domain": {}, "version": "3.6.0"}
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/webhook",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        answer = json.loads(response.read())
    return "\n".join(str(r.get("text") or "") for r in answer["responses"])


def test_a_kb_load_is_picked_up_by_the_running_action_server(db_url, source_copy, tmp_path):
    # The action server keeps the knowledge base in memory; a `kb load` must reach it at the
    # next message, with no restart and never a stale answer.
    port = free_port()
    server = start_action_server(port, db_url, tmp_path / "actions.log")
    try:
        entry = read_source(source_copy).error("tax-type-invalid")
        assert entry.title in _explain_via_action_server(port)
        path = source_copy / "errors" / "tax-type-invalid.yml"
        path.write_text(path.read_text().replace(entry.title, "Tax code retitled by a kb load"))
        subprocess.run(
            [sys.executable, "-m", "bot", "kb", "load"],
            env={**rasa_env(db_url), "SYNCDESK_KB_SOURCE": str(source_copy)},
            cwd=PROJECT_ROOT,
            check=True,
        )
        said = _explain_via_action_server(port)
        assert "Tax code retitled by a kb load" in said
        assert entry.title not in said
    finally:
        stop(server)
