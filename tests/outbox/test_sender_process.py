"""The sender as the program supervisord runs: an SMTP server down for a while, restarts, and
two senders at once, against a real SMTP server on loopback and a real SQLite file."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.handover import HandoverRequest, open_ticket
from bot.outbox import OutboxRow, thread_id
from bot.settings import PROJECT_ROOT

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "integration"))
from loopback_smtp import smtp_server  # noqa: E402
from services import wait_until  # noqa: E402

pytestmark = pytest.mark.integration

TICKETS = 5


def start_sender(log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "bot", "outbox", "send", "--forever", "--poll", "0.2"],
            cwd=PROJECT_ROOT,
            env=dict(os.environ, PYTHONWARNINGS="ignore", SQLALCHEMY_SILENCE_UBER_WARNING="1"),
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def stop_sender(process: subprocess.Popen[bytes], log: Path) -> None:
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=20) == 0, log.read_text()[-3000:]


def rows(sessions) -> list[OutboxRow]:  # type: ignore[no-untyped-def]
    with sessions.begin() as session:
        return list(session.scalars(select(OutboxRow).order_by(OutboxRow.id)))


def test_down_smtp_server_then_restart_then_two_senders_deliver_each_email_once(
    sessions, smtp_port, tmp_path
):
    tickets = []
    for number in range(TICKETS):
        request = HandoverRequest(
            conversation_id=f"conv-{number}",
            channel="rest",
            reason="customer_asked",
            error_id="tax-type-invalid",
            values={"invoice_number": f"INV-{number}"},
        )
        with sessions.begin() as session:
            tickets.append(open_ticket(session, request))
    log = tmp_path / "sender.log"

    # The SMTP server is down: the sender retries with back-off; the tickets are all kept.
    first = start_sender(log)
    wait_until(lambda: all(r.attempts >= 2 for r in rows(sessions)), "retries", seconds=30)
    stop_sender(first, log)  # a restart: this sender goes away
    assert {r.status for r in rows(sessions)} == {"pending"}
    assert all("Connection" in str(r.last_error) for r in rows(sessions))

    # It comes back; two senders start at once (a restart racing a second host).
    with smtp_server(smtp_port) as inbox:
        senders = [start_sender(log), start_sender(log)]
        try:
            wait_until(lambda: all(r.status == "sent" for r in rows(sessions)), "sent", seconds=60)
            time.sleep(1.0)  # time for any second delivery to show up
        finally:
            for sender in senders:
                stop_sender(sender, log)
        received = Counter(message["Message-ID"] for message in inbox.messages)
    expected = {thread_id(ticket, "bot.example.test") for ticket in tickets}
    assert set(received) == expected
    assert set(received.values()) == {1}, received  # exactly once each
    assert "Sent" in log.read_text()  # each sender reports what it did when stopped
