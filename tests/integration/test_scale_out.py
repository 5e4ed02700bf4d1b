"""Two Rasa servers sharing conversations: PostgreSQL trackers and tickets, Redis locks.

The production shape (endpoints.prod.yml, SYNCDESK_DB_URL on PostgreSQL) on throwaway servers:
every customer's turns alternate between the two Rasa servers, as a load balancer without
sticky sessions would send them, and the conversation must carry on as if there were one.
"""

from __future__ import annotations

import json
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
import yaml
from sqlalchemy import select

from bot import db
from bot.handover import TicketRow
from bot.settings import PROJECT_ROOT

sys.path.insert(0, str(Path(__file__).resolve().parent))
import services  # noqa: E402

pytestmark = pytest.mark.integration

RASA = str(Path(sys.executable).with_name("rasa"))
TOKEN = "scale-out-token"
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
    """Rasa as production runs it (deploy/docker-compose.yml), on ``port``."""
    return [
        RASA, "run", "--model", str(services.latest_model()), "--port", str(port),
        "--credentials", "credentials.yml", "--endpoints", "endpoints.prod.yml",
        "--enable-api", "--auth-token", TOKEN,
    ]  # fmt: skip


def server_env(pg: services.Postgres, redis: services.Redis, actions_url: str) -> dict[str, str]:
    return services.server_env(**services.production_env(pg, redis, actions_url))


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
