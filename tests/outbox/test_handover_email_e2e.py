"""A real conversation hands over through the real Rasa and action servers; the ticket's email
and its follow-up reach a real SMTP server on loopback, in one thread."""

from __future__ import annotations

import json
import os
import re
import sys
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from bot import db
from bot.outbox import Sender
from bot.settings import PROJECT_ROOT, Settings

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(PROJECT_ROOT / "tests" / "integration"))
import services  # noqa: E402
from loopback_smtp import smtp_server  # noqa: E402

pytestmark = pytest.mark.integration

PASTE = (
    "Invoice: INV-7731 - The TaxType code OUTPUT2 does not exist or cannot be used for this type "
    "of transaction. The TaxType code OUTPUT2 cannot be used with account code 200."
)


def say(url: str, sender: str, message: str) -> str:
    body = json.dumps({"sender": sender, "message": message}).encode()
    request = urllib.request.Request(
        f"{url}/webhooks/rest/webhook", body, {"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        replies: list[dict[str, Any]] = json.load(response)
    return "\n".join(str(r.get("text", "")) for r in replies)


def test_a_handover_in_a_real_conversation_emails_support_then_follows_up(
    mail_db, smtp_port, tmp_path
):
    env = services.server_env(
        **{k: os.environ[k] for k in ("SYNCDESK_DB_URL", "SYNCDESK_SMTP_URL", "SYNCDESK_MAIL_FROM")}
    )
    with services.bot_servers(tmp_path, env, load_kb=False) as bot:  # mail_db holds the KB
        say(bot.url, "mail-e2e", PASTE)
        handed_over = say(bot.url, "mail-e2e", "no, still failing")
        assert "Your reference is SD-" in handed_over, handed_over
        reference = re.search(r"SD-[0-9A-Z]{4}-[0-9A-Z]{4}", handed_over).group()
        say(bot.url, "mail-e2e", "it failed again, can someone call me")
    with smtp_server(smtp_port) as inbox:
        result = Sender(db.session_factory(mail_db), Settings.from_env().mail).run()
    assert result.sent == len(inbox.messages) >= 1
    ticket_email, *follow_ups = inbox.messages
    assert ticket_email["Subject"].startswith(f"{reference}: ")
    assert "INV-7731" in ticket_email.get_content()
    assert "Customer: no, still failing" in ticket_email.get_content()
    for follow_up in follow_ups:
        assert follow_up["In-Reply-To"] == ticket_email["Message-ID"]
        assert reference in follow_up["Subject"]
