"""Two Rasa servers sharing conversations: PostgreSQL trackers and tickets, Redis locks.

The production shape (endpoints.prod.yml, SYNCDESK_DB_URL on PostgreSQL, started through
deploy/entrypoint as the containers are) on throwaway servers: every customer's turns alternate
between the two Rasa servers, as a load balancer without sticky sessions would send them, and the
conversation must carry on as if there were one. A web chat socket on one server receives what
the support console sends through the other (socket.io rooms shared through Redis).
"""

from __future__ import annotations

import asyncio
import json
import secrets
import subprocess
import sys
import threading
import urllib.request
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import socketio
import yaml
from sqlalchemy import select

from bot import db
from bot.console.live import RasaConversations
from bot.handover import TicketRow
from bot.security import conversation_of
from bot.settings import PROJECT_ROOT
from channels.socketio import REDIS_CHANNEL, SecureSocketIOInput

sys.path.insert(0, str(Path(__file__).resolve().parent))
import services  # noqa: E402

pytestmark = pytest.mark.integration

RASA = str(Path(sys.executable).with_name("rasa"))
ENTRYPOINT = str(PROJECT_ROOT / "deploy" / "entrypoint")
TOKEN = "scale-out-token"
#: Both servers sign web chat sessions with one key, as the compose file's session_key secret.
SESSION_KEY = secrets.token_urlsafe(48)
CONVERSATIONS = 6
TAX_TYPE = (
    "Invoice: {invoice} - The TaxType code OUTPUT2 does not exist or cannot be used for this type "
    "of transaction. The TaxType code OUTPUT2 cannot be used with account code 200."
)


@dataclass(frozen=True)
class Cluster:
    """Two Rasa servers, one action server, one PostgreSQL, one Redis."""

    rasa_urls: tuple[str, str]
    db_url: str

    def say(self, server: int, sender: str, message: str) -> list[dict[str, Any]]:
        body = json.dumps({"sender": sender, "message": message}).encode()
        request = urllib.request.Request(
            f"{self.rasa_urls[server]}/webhooks/rest/webhook",
            body,
            {"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            assert response.status == 200
            return list(json.load(response))

    def tracker(self, server: int, sender: str) -> dict[str, Any]:
        url = f"{self.rasa_urls[server]}/conversations/{sender}/tracker?token={TOKEN}"
        with urllib.request.urlopen(url, timeout=30) as response:
            return dict(json.load(response))


def rasa_command(port: int) -> list[str]:
    """Rasa as production runs it (deploy/docker-compose.yml, its entry point), on ``port``.

    deploy/entrypoint builds SYNCDESK_SOCKETIO_REDIS_URL from REDIS_*, as in the containers.
    """
    return [
        ENTRYPOINT, RASA, "run", "--model", str(services.latest_model()), "--port", str(port),
        "--credentials", "credentials.yml", "--endpoints", "endpoints.prod.yml",
        "--enable-api", "--auth-token", TOKEN,
    ]  # fmt: skip


def server_env(pg: services.Postgres, redis: services.Redis, actions_url: str) -> dict[str, str]:
    return services.server_env(
        **services.production_env(pg, redis, actions_url), SYNCDESK_SESSION_KEY=SESSION_KEY
    )


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    missing = services.missing_services()
    if missing:
        pytest.skip(f"{' and '.join(missing)} not installed: run scripts/setup-services")
    logs = tmp_path_factory.mktemp("scale-out")
    actions_port, *rasa_ports = (services.free_port() for _ in range(3))
    with services.postgres_server() as pg, services.redis_server() as redis:
        env = server_env(pg, redis, f"http://127.0.0.1:{actions_port}/webhook")
        subprocess.run(
            [sys.executable, "-m", "bot", "kb", "load"], env=env, cwd=PROJECT_ROOT, check=True
        )
        actions = (
            [RASA, "run", "actions", "--actions", "actions", "--port", str(actions_port)],
            f"http://127.0.0.1:{actions_port}/health",
            logs / "actions.log",
        )
        replicas = [
            (rasa_command(port), f"http://127.0.0.1:{port}/", logs / f"rasa-{port}.log")
            for port in rasa_ports
        ]
        with services.http_servers([actions, *replicas], env=env, cwd=PROJECT_ROOT):
            yield Cluster(
                rasa_urls=(
                    f"http://127.0.0.1:{rasa_ports[0]}",
                    f"http://127.0.0.1:{rasa_ports[1]}",
                ),
                db_url=pg.url(),
            )
        db.engine(pg.url()).dispose()


def converse(cluster: Cluster, number: int) -> dict[str, Any]:
    """Paste an error, say the fix failed, say thanks; turn by turn on alternating servers."""
    sender = f"scale-{number}-{uuid.uuid4().hex[:8]}"
    invoice = f"INV-{7000 + number}"
    turns = [TAX_TYPE.format(invoice=invoice), "no, still failing", "thanks"]
    replies = []
    for turn, message in enumerate(turns):
        server = (number + turn) % 2
        replies.append(cluster.say(server, sender, message))
    return {"sender": sender, "invoice": invoice, "replies": replies, "first": number % 2}


@pytest.fixture(scope="module")
def conversations(cluster: Cluster) -> list[dict[str, Any]]:
    with ThreadPoolExecutor(max_workers=CONVERSATIONS) as pool:
        return list(pool.map(lambda n: converse(cluster, n), range(CONVERSATIONS)))


def text_of(replies: list[dict[str, Any]]) -> str:
    return "\n".join(reply.get("text", "") for reply in replies)


def test_every_turn_on_either_server_gets_a_reply(conversations):
    for conversation in conversations:
        for replies in conversation["replies"]:
            assert replies and all(r.get("text") or r.get("buttons") for r in replies)


def test_both_servers_see_the_same_coherent_slots(cluster, conversations):
    for conversation in conversations:
        seen = [cluster.tracker(server, conversation["sender"])["slots"] for server in (0, 1)]
        assert seen[0] == seen[1]
        slots = seen[0]
        assert slots["sync_error"] == "tax-type-invalid"
        assert slots["invoice_number"] == conversation["invoice"]
        assert slots["ticket_ref"], "the failed fix was not handed over"


def test_one_handover_ticket_per_conversation_in_postgres(cluster, conversations):
    senders = {c["sender"]: c for c in conversations}
    with db.session_factory(cluster.db_url).begin() as session:
        tickets = session.scalars(
            select(TicketRow).where(TicketRow.conversation_id.in_(senders))
        ).all()
        found = [
            (t.conversation_id, t.error_id, t.values.get("invoice_number"), t.reference)
            for t in tickets
        ]
    assert sorted(sender for sender, *_ in found) == sorted(senders)
    for sender, error_id, invoice, reference in found:
        conversation = senders[sender]
        assert (error_id, invoice) == ("tax-type-invalid", conversation["invoice"])
        # The ticket was opened on the "no" turn, by whichever server took it.
        assert reference in text_of(conversation["replies"][1])


def stock_redis_lock_store() -> bool:
    config = yaml.safe_load((PROJECT_ROOT / "endpoints.prod.yml").read_text())
    return str(config["lock_store"]["type"]).lower() == "redis"


# Rasa OSS's RedisLockStore reads, changes and writes a conversation's lock in separate calls, so
# two servers taking the same conversation's messages at the same instant can both go ahead, and
# the SQL tracker store then keeps only one of the two turns (about half the time here).
# RasaHQ/rasa#9213; the fix (ConcurrentRedisLockStore, #11256) was reverted from Rasa OSS.
# Sequential turns on alternating servers (above) are safe; a lock store whose ticket updates are
# Redis transactions makes this pass too.
@pytest.mark.xfail(
    stock_redis_lock_store(),
    reason="Rasa OSS RedisLockStore issues tickets non-atomically (RasaHQ/rasa#9213)",
    strict=False,
)
def test_simultaneous_messages_to_both_servers_are_taken_in_turn(cluster):
    """The Redis lock serialises one conversation across servers: no message is lost."""
    for _attempt in range(5):  # each attempt loses a turn about half the time with the stock store
        sender = f"race-{uuid.uuid4().hex[:8]}"
        cluster.say(0, sender, "hi")
        assert all(say_at_once(cluster, sender, "I have an error message"))
        events = cluster.tracker(1, sender)["events"]
        user_turns = [e["text"] for e in events if e["event"] == "user"]
        assert user_turns == ["hi", "I have an error message", "I have an error message"]


def say_at_once(cluster: Cluster, sender: str, message: str) -> list[list[dict[str, Any]]]:
    """Send ``message`` to both servers at the same instant; return both answers."""
    start = threading.Barrier(2)

    def say(server: int) -> list[dict[str, Any]]:
        start.wait(timeout=30)
        return cluster.say(server, sender, message)

    with ThreadPoolExecutor(max_workers=2) as pool:
        return list(pool.map(say, (0, 1)))


# --- the support console's messages, whichever server the customer's socket is on ------------


class WebChat:
    """A socket.io client doing what rasa-webchat does: connect, ask for a session, listen."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.sio = socketio.AsyncClient(reconnection=False)
        self.confirmed: asyncio.Queue[str] = asyncio.Queue()
        self.said: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.sio.on("session_confirm", self.confirmed.put_nowait)
        self.sio.on("bot_uttered", self.said.put_nowait)

    async def start(self) -> str:
        """Connect and return the conversation the server issued."""
        # Polling only: engineio's WebSocket client (also the default's upgrade) needs
        # aiohttp.ClientWSTimeout, which the aiohttp Rasa 3.6 pins (3.9.5) lacks: AttributeError.
        # Browsers use WebSocket; the transport does not matter to the rooms shared here.
        await self.sio.connect(self.url, transports=["polling"])
        await self.sio.emit("session_request", {"session_id": None})
        token = await asyncio.wait_for(self.confirmed.get(), 15)
        conversation = conversation_of(token, SESSION_KEY.encode())
        assert conversation, token
        return conversation

    async def texts_until(self, text: str, seconds: float) -> list[str]:
        """Return the bot messages that arrive until ``text`` has (or ``seconds`` pass), and 1 s more."""
        texts: list[str] = []
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while (left := deadline - loop.time()) > 0:
            try:
                texts.append(str((await asyncio.wait_for(self.said.get(), left)).get("text")))
            except asyncio.TimeoutError:
                break
            if texts[-1] == text:
                deadline = min(deadline, loop.time() + 1)  # and no second copy
        return texts


def test_the_console_reaches_a_customer_connected_to_the_other_server(cluster):
    """The console calls rasa-1's HTTP API; the customer's socket is on rasa-2.

    Control, measured: the same test without SYNCDESK_SOCKETIO_REDIS_URL (one room per server)
    receives nothing on rasa-2 within the 15 s (rasa-1 emits to a room it has no socket in).
    """
    console = RasaConversations(cluster.rasa_urls[0], TOKEN)
    text = f"Sam here, checking invoice INV-{uuid.uuid4().hex[:6]} for you now."

    async def scenario() -> list[str]:
        customer = WebChat(cluster.rasa_urls[1])
        try:
            conversation = await customer.start()
            loop = asyncio.get_running_loop()
            await loop.run_in_executor(None, console.say, conversation, "Sam", text)
            return await customer.texts_until(text, 15)
        finally:
            await customer.sio.disconnect()

    received = asyncio.run(scenario())
    assert received.count(text) == 1, received


def test_the_channel_shares_rooms_through_redis_only_when_set(monkeypatch):
    """The setting reaches the socket.io server Rasa builds (unset: this server's rooms only)."""

    async def on_message(_: Any) -> None:
        return None

    monkeypatch.delenv("SYNCDESK_SOCKETIO_REDIS_URL", raising=False)
    alone = SecureSocketIOInput()
    alone.blueprint(on_message)
    assert type(alone.sio.manager) is socketio.AsyncManager

    monkeypatch.setenv("SYNCDESK_SOCKETIO_REDIS_URL", "redis://:pw@127.0.0.1:6390")
    shared = SecureSocketIOInput()
    shared.blueprint(on_message)
    manager = shared.sio.manager
    assert isinstance(manager, socketio.AsyncRedisManager)
    assert (manager.redis_url, manager.channel) == ("redis://:pw@127.0.0.1:6390", REDIS_CHANNEL)
