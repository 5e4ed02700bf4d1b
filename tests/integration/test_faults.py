"""Faults and bad input: nothing a customer sends, and no server going down, leaves them stuck."""

import json
import urllib.error
import urllib.request
import uuid

import pytest

from bot import db
from bot.handover import list_tickets
from bot.kb import knowledge_base
from bot.kb.source import read_source

from .conftest import start_action_server, start_private_bot, stop

pytestmark = pytest.mark.integration

PASTE = "Invoice: INV-0042 - The TaxType code OUTPUT2 does not exist or cannot be used for this type of transaction."
PHONE = "0800 326 5561"


def post(url: str, body: bytes, token: str | None = None) -> tuple[int, str]:
    query = f"?token={token}" if token else ""
    request = urllib.request.Request(url + query, body, {"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace")


def say(url: str, sender: str, message: str) -> str:
    status, body = post(
        f"{url}/webhooks/rest/webhook", json.dumps({"sender": sender, "message": message}).encode()
    )
    assert status == 200, body
    replies = json.loads(body)
    assert replies, f"no reply to {message[:60]!r}"
    return "\n".join(r.get("text") or "" for r in replies)


@pytest.fixture(scope="module")
def own_bot(tmp_path_factory):
    """A bot of its own (so its action server can be killed), started with NO knowledge base."""
    folder = tmp_path_factory.mktemp("own")
    db_url = f"sqlite:///{folder / 'not-built-yet' / 'syncdesk.db'}"
    url, actions_port, actions, rasa = start_private_bot(folder, db_url)
    state = {"actions": actions}
    yield url, db_url, actions_port, folder, state
    stop(state["actions"])
    stop(rasa)


def test_missing_knowledge_base_is_rebuilt_at_start(own_bot):
    url, db_url, *_ = own_bot
    assert "Invoice INV-0042 uses tax code OUTPUT2" in say(url, f"kb-{uuid.uuid4()}", PASTE)
    with knowledge_base(db_url) as kb:
        assert len(kb.errors()) == len(read_source().errors)


def test_action_server_killed_mid_conversation(own_bot):
    url, db_url, actions_port, folder, state = own_bot
    sender = f"down-{uuid.uuid4()}"
    assert "Did that fix it?" in say(url, sender, PASTE)

    stop(state["actions"])
    assert PHONE in say(url, sender, "no, still failing")
    assert PHONE in say(url, sender, "Invoice: INV-7 - Invoice # must be unique")

    state["actions"] = start_action_server(actions_port, db_url, folder / "actions.log")
    # The conversation carries on where it was: the same paste again is recognised as such.
    again = say(url, sender, PASTE)
    assert "same error as before" in again and "Did that fix it?" in again
    reply = say(url, sender, "no, still failing")
    assert "Your reference is SD-" in reply and PHONE in reply
    with db.session_factory(db_url).begin() as session:
        tickets = [t for t in list_tickets(session) if t.conversation_id == sender]
    assert [t.error_id for t in tickets] == ["tax-type-invalid"]


@pytest.fixture(scope="module")
def broken_kb_bot(tmp_path_factory):
    """A bot whose knowledge base path is unusable (a directory), with the HTTP API off."""
    folder = tmp_path_factory.mktemp("broken")
    (folder / "syncdesk.db").mkdir()
    db_url = f"sqlite:///{folder / 'syncdesk.db'}"
    url, _actions_port, actions, rasa = start_private_bot(folder, db_url)
    yield url, folder
    stop(actions)
    stop(rasa)


def test_unusable_knowledge_base_still_gives_contacts_and_logs_the_fix(broken_kb_bot):
    url, folder = broken_kb_bot
    assert PHONE in say(url, f"broken-{uuid.uuid4()}", PASTE)
    logs = (folder / "actions.log").read_text() + (folder / "rasa.log").read_text()
    assert "Check SYNCDESK_DB_URL" in logs
    assert "INV-0042" not in (folder / "actions.log").read_text()


def test_http_api_is_off_by_default(broken_kb_bot):
    url, _folder = broken_kb_bot
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{url}/conversations/anyone/tracker", timeout=10)
    assert refused.value.code == 404


@pytest.mark.parametrize("token", [None, "wrong"])
@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/conversations/someone/tracker", None),
        (
            "POST",
            "/conversations/someone/tracker/events",
            b'[{"event": "slot", "name": "stage", "value": "done"}]',
        ),
        ("PUT", "/conversations/someone/tracker/events", b"[]"),
        ("PUT", "/model", b'{"model_file": "/tmp/evil.tar.gz"}'),
        ("DELETE", "/model", None),
        ("POST", "/model/train", b"{}"),
    ],
)
def test_http_api_refuses_requests_without_the_token(running_bot, method, path, body, token):
    query = f"?token={token}" if token else ""
    request = urllib.request.Request(running_bot.url + path + query, body, method=method)
    request.add_header("Content-Type", "application/json")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=30)
    assert refused.value.code in (401, 403)


@pytest.mark.parametrize(
    "message",
    [
        "",
        " \n\t ",
        "🙂🔥💷 ✅ xero 🤬",
        "<script>alert(1)</script><b>bold</b>",
        "'; DROP TABLE tickets; -- ",
        "\x00\x01\x02 binary \ufffd\ufffd",
        "x" * 1_000_000,
    ],
    ids=["empty", "whitespace", "emoji", "markup", "sql", "binary", "1mb"],
)
def test_odd_input_gets_a_sensible_reply(running_bot, message):
    assert say(running_bot.url, f"odd-{uuid.uuid4()}", message).strip()


def test_a_megabyte_log_with_the_error_inside_is_diagnosed(running_bot):
    noise = "2026-11-25 09:00:01 INFO job synced\n" * 28_000
    sender = f"mb-{uuid.uuid4()}"
    reply = say(
        running_bot.url, sender, noise + "Invoice: J-7781/2 - Invoice # must be unique\n" + noise
    )
    assert "J-7781/2" in reply
    assert running_bot.tracker(sender)["slots"]["sync_error"] == "invoice-number-duplicate"


@pytest.mark.parametrize(
    "body",
    [
        b'{"sender": "x", "message": ',
        b"not json at all",
        b'{"sender": "x", "message": "\xff\xfe"}',
        b"[1, 2]",
    ],
    ids=["truncated", "not-json", "invalid-utf8", "wrong-shape"],
)
def test_malformed_requests_get_a_client_error_and_the_server_stays_up(running_bot, body):
    status, _ = post(f"{running_bot.url}/webhooks/rest/webhook", body)
    assert 400 <= status < 500
    assert say(running_bot.url, f"after-{uuid.uuid4()}", "hi")


def test_sql_looking_input_leaves_the_tickets_table_alone(running_bot):
    sender = f"sql-{uuid.uuid4()}"
    say(running_bot.url, sender, "Robert'); DROP TABLE tickets;--")
    say(running_bot.url, sender, "talk to a human")
    # Asked what it's about, the customer answers with more of the same; it goes on the ticket.
    say(running_bot.url, sender, "Robert'); DELETE FROM tickets;--")
    with db.session_factory(running_bot.db_url).begin() as session:
        assert any(t.conversation_id == sender for t in list_tickets(session))
