"""Issue #13's findings 1–4 reproduced against real servers (socket.io, REST, action server), closed.

1. another client's conversation: joined, read and written by claiming its id (socket.io);
   Origin https://evil.example accepted; REST without ``sender``.
2. unsigned in-app identity taken as the customer's (socket.io customData, REST metadata).
3. no limits: message size, a 200 KB value, messages per minute, tickets per address.
4. malformed metadata crashing actions; rasa-sdk's 500 body (and Rasa's log) carrying the tracker.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
import urllib.error
import urllib.request
import uuid
from typing import Any

import pytest
import socketio
from security_servers import ORIGIN, Servers
from sqlalchemy import func, select

from bot import db
from bot.handover import TicketRow
from bot.security import mint_identity_token
from channels.socketio import SESSION_REFUSED

pytestmark = pytest.mark.integration

EMAIL = "sam.patel.private@example.com"
PASTE = (
    "Invoice: INV-0042 - The TaxType code OUTPUT2 does not exist or cannot be used for this type "
    "of transaction. The TaxType code OUTPUT2 cannot be used with account code 200."
)


_ADDRESSES = itertools.count(1)


def address() -> str:
    """A client address no other test has used (the servers trust loopback's X-Forwarded-For).

    Handed out in turn, never drawn at random: the servers' limits count per address, so two
    tests that drew the same address would spend each other's allowance (CI once saw a 429).
    """
    number = next(_ADDRESSES)
    assert number < 255, "more client addresses than 198.51.100.0/24 holds"
    return f"198.51.100.{number}"


def rest(servers: Servers, body: object, client: str) -> tuple[int, Any]:
    request = urllib.request.Request(
        f"{servers.rasa}/webhooks/rest/webhook",
        json.dumps(body).encode(),
        {"Content-Type": "application/json", "X-Forwarded-For": client},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            return answer.status, json.load(answer)
    except urllib.error.HTTPError as refused:
        return refused.code, refused.read().decode(errors="replace")


def tracker(servers: Servers, conversation: str) -> dict[str, Any]:
    url = f"{servers.rasa}/conversations/{conversation}/tracker?token={servers.api_token}"
    with urllib.request.urlopen(url, timeout=30) as answer:
        return dict(json.load(answer))


def user_events(servers: Servers, conversation: str, at_least: int = 1) -> list[dict[str, Any]]:
    """The conversation's user events, once it holds ``at_least`` of them.

    Rasa saves a tracker after it has sent the turn's replies over socket.io, so a test that has
    just seen a reply may read the tracker a moment before the turn is in it.
    """
    for _ in range(100):
        events = [e for e in tracker(servers, conversation)["events"] if e["event"] == "user"]
        if len(events) >= at_least:
            return events
        time.sleep(0.1)
    raise AssertionError(f"{conversation} holds {len(events)} user events, not {at_least}")


def user_metadata(servers: Servers, conversation: str) -> list[Any]:
    return [e.get("metadata") for e in user_events(servers, conversation)]


class Chat:
    """A socket.io client that behaves as rasa-webchat 1.0.1 does."""

    def __init__(self, servers: Servers, client: str, origin: str = ORIGIN) -> None:
        self.url, self.client, self.origin = servers.rasa, client, origin
        self.sio = socketio.AsyncClient(reconnection=False)
        self.replies: list[dict[str, Any]] = []
        self.confirmed: asyncio.Queue[str] = asyncio.Queue()
        self.sio.on("bot_uttered", self.replies.append)
        self.sio.on("session_confirm", self.confirmed.put_nowait)

    async def connect(self) -> None:
        await self.sio.connect(
            self.url,
            headers={"Origin": self.origin, "X-Forwarded-For": self.client},
            transports=["polling"],  # this aiohttp lacks engineio's WebSocket timeout class
        )

    async def session(self, session_id: str | None = None) -> str:
        await self.sio.emit("session_request", {"session_id": session_id})
        return await asyncio.wait_for(self.confirmed.get(), 10)

    async def say(self, token: str, message: str, custom: object = None) -> None:
        await self.sio.emit(
            "user_uttered", {"message": message, "session_id": token, "customData": custom or {}}
        )

    async def reply(self, containing: str, seconds: float = 30, count: int = 1) -> str:
        """The text of the ``count``-th reply containing ``containing``, once it has come."""
        for _ in range(int(seconds * 10)):
            found = [str(r["text"]) for r in self.replies if containing in str(r.get("text", ""))]
            if len(found) >= count:
                return found[count - 1]
            await asyncio.sleep(0.1)
        raise AssertionError(f"no {count} replies containing {containing!r}: {self.replies}")


def test_origin_outside_the_cors_list_is_refused(servers):
    async def scenario() -> None:
        evil = Chat(servers, address(), origin="https://evil.example")
        with pytest.raises(socketio.exceptions.ConnectionError):
            await evil.connect()
        allowed = Chat(servers, address())
        await allowed.connect()
        await allowed.sio.disconnect()

    asyncio.run(scenario())


def test_a_conversation_belongs_to_the_socket_it_was_issued_to(servers):
    async def scenario() -> None:
        victim, intruder = Chat(servers, address()), Chat(servers, address())
        await victim.connect()
        token = await victim.session()
        conversation = token.split(".")[0]
        await victim.say(token, "/greet")
        await victim.reply("Paste the error message")

        await intruder.connect()
        # Claiming the victim's conversation id gets a conversation of its own, not the room.
        own = await intruder.session(conversation)
        assert own != token and not own.startswith(conversation)
        # Posting with the victim's id, or even its whole token, is refused.
        await intruder.say(conversation, "/request_human")
        await intruder.say(token, "/request_human")
        await intruder.reply(SESSION_REFUSED, count=2)
        assert len([r for r in intruder.replies if r.get("text") == SESSION_REFUSED]) == 2

        await victim.say(token, "what's your phone number?")
        await victim.reply("0800 326 5561")
        await asyncio.sleep(1)
        # The intruder saw none of the victim's replies; the victim's tracker has only its turns.
        assert all(r.get("text") == SESSION_REFUSED for r in intruder.replies)
        texts = [e.get("text") for e in user_events(servers, conversation, at_least=2)]
        assert texts == ["/greet", "what's your phone number?"]
        await victim.sio.disconnect()
        await intruder.sio.disconnect()

    asyncio.run(scenario())


def test_only_a_signed_identity_is_verified(servers):
    genuine = mint_identity_token(servers.identity_key, account_id="JL-7", user_name="Robin Diaz",
                                  email=EMAIL)  # fmt: skip
    forged = mint_identity_token("a key the attacker made up, long enough to pass....",
                                 account_id="JL-1042", user_name="Sam Patel")  # fmt: skip

    async def scenario() -> tuple[str, str]:
        customer, attacker = Chat(servers, address()), Chat(servers, address())
        await customer.connect()
        await attacker.connect()
        mine, theirs = await customer.session(), await attacker.session()
        claim = {"account_id": "JL-1042", "user_name": "Sam Patel", "screen": "Invoices"}
        await customer.say(mine, "/greet", {**claim, "identity_token": genuine})
        await attacker.say(theirs, "/greet", {**claim, "identity_token": forged})
        await customer.reply("Hi Robin")
        await attacker.reply("Paste the error message")
        await customer.sio.disconnect()
        await attacker.sio.disconnect()
        return mine.split(".")[0], theirs.split(".")[0]

    mine, theirs = asyncio.run(scenario())
    assert user_metadata(servers, mine)[-1]["customer"] == {
        "screen": "Invoices", "account_id": "JL-7", "user_name": "Robin Diaz", "email": EMAIL,
        "verified": True}  # fmt: skip
    assert user_metadata(servers, theirs)[-1]["customer"] == {
        "screen": "Invoices", "account_id": "JL-1042", "user_name": "Sam Patel",
        "verified": False}  # fmt: skip


def test_rest_needs_a_sender_of_its_own_and_never_trusts_metadata(servers):
    client = address()
    status, body = rest(servers, {"message": "hi"}, client)
    assert status == 400 and "sender" in body
    web_conversation = "web-" + uuid.uuid4().hex
    assert rest(servers, {"sender": web_conversation, "message": "hi"}, client)[0] == 400

    sender = f"rest-{uuid.uuid4()}"
    forged = {"customer": {"account_id": "JL-1042", "user_name": "Sam Patel", "verified": True},
              "customData": {"account_id": "JL-1042"}, "client": "someone-else"}  # fmt: skip
    assert rest(servers, {"sender": sender, "message": "/greet", "metadata": forged}, client)[0] == 200
    metadata = user_metadata(servers, sender)[-1]
    assert metadata["customer"] == {"account_id": "JL-1042", "verified": False}
    assert metadata["client"] != "someone-else"


def test_size_and_value_limits_answer_clearly_and_stay_small(servers):
    client = address()
    sender = f"big-{uuid.uuid4()}"
    status, body = rest(servers, {"sender": sender, "message": "x" * 60_000}, client)
    assert status == 413 and "too long" in body and len(body) < 2000
    huge_tax_code = '/tax-type-invalid{"tax_code": "' + "T" * 200_000 + '"}'
    status, body = rest(servers, {"sender": sender, "message": huge_tax_code}, client)
    assert status == 413 and "too long" in body and len(body) < 2000

    async def scenario() -> list[dict[str, Any]]:
        chat = Chat(servers, address())
        await chat.connect()
        token = await chat.session()
        await chat.say(token, huge_tax_code)
        await chat.reply("too long")
        await chat.sio.disconnect()
        return chat.replies

    replies = asyncio.run(scenario())
    assert sum(len(json.dumps(reply)) for reply in replies) < 2000
    with db.session_factory(servers.db_url).begin() as session:
        assert session.scalar(select(func.max(func.length(TicketRow.values)))) in (None,) or (
            session.scalar(select(func.max(func.length(TicketRow.values)))) < 2000
        )


def test_messages_per_minute_per_conversation_and_per_client(servers):
    client = address()
    sender = f"rate-{uuid.uuid4()}"
    answers = [rest(servers, {"sender": sender, "message": "/greet"}, client)[0] for _ in range(11)]
    assert answers[:10] == [200] * 10 and answers[10] == 429
    # The same address, other conversations: the client's 20 a minute run out too.
    others = [rest(servers, {"sender": f"rate-{n}-{sender}", "message": "/greet"}, client)
              for n in range(10)]  # fmt: skip
    assert [status for status, _ in others[:9]] == [200] * 9
    status, body = others[9]
    assert status == 429 and "wait a minute" in body


def test_tickets_per_client_address(servers):
    client = address()
    references = []
    for number in range(3):
        sender = f"tickets-{number}-{uuid.uuid4()}"
        rest(servers, {"sender": sender, "message": PASTE}, client)
        status, replies = rest(servers, {"sender": sender, "message": "/deny"}, client)
        assert status == 200
        references.append(" ".join(str(r.get("text")) for r in replies))
    with db.session_factory(servers.db_url).begin() as session:
        opened = session.scalar(
            select(func.count()).select_from(TicketRow).where(
                TicketRow.conversation_id.like("tickets-%"))
        )  # fmt: skip
    assert opened == 2, references
    assert "already has 2 tickets" in references[2] and "0800 326 5561" in references[2]


def test_malformed_metadata_and_failures_leave_no_personal_data(servers):
    # Straight to the action server, as a misbehaving channel would send it.
    events = [
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": f"my email is {EMAIL}", "metadata": ["x"],
         "parse_data": {"intent": {"name": "request_human"}, "entities": []}},
    ]  # fmt: skip
    call = {
        "next_action": "action_greet",
        "sender_id": f"meta-{uuid.uuid4()}",
        "tracker": {"sender_id": "x", "slots": {}, "latest_message": events[1], "events": events,
                    "paused": False, "followup_action": None, "active_loop": {},
                    "latest_action_name": "action_listen"},
        "domain": {},
        "version": "3.6.2",
    }  # fmt: skip
    for action in ("action_greet", "action_handover"):
        answer = _post(f"{servers.actions}/webhook", {**call, "next_action": action})
        assert answer[0] == 200, answer
        assert EMAIL not in answer[1] or action == "action_handover"

    broken = {**call, "tracker": {**call["tracker"], "events": "not a list"}}
    status, body = _post(f"{servers.actions}/webhook", broken)
    assert status == 500 and EMAIL not in body and "request_body" not in body

    # Over REST with a list as metadata: answered, nothing crashes.
    sender = f"meta-{uuid.uuid4()}"
    status, replies = rest(servers, {"sender": sender, "message": "/greet", "metadata": ["x"]},
                           address())  # fmt: skip
    assert status == 200 and replies
    for log in (servers.rasa_log, servers.actions_log):
        assert EMAIL not in log.read_text(errors="replace"), log


def _post(url: str, body: object) -> tuple[int, str]:
    request = urllib.request.Request(url, json.dumps(body).encode(),
                                     {"Content-Type": "application/json"})  # fmt: skip
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as failed:
        return failed.code, failed.read().decode(errors="replace")
