"""Tickets reach the support inbox by email: an outbox written with the ticket, and a sender.

``notify_support`` queues the email in the ticket's own transaction (never lost: no ticket
without its email, no email without its ticket); ``Sender`` delivers it over SMTP with retries
and back-off, claiming each email first so it is never sent twice.
"""

from __future__ import annotations

from bot.outbox.compose import support_inbox, thread_id
from bot.outbox.config import MailSettings, SmtpServer, parse_smtp_url
from bot.outbox.models import OutboxRow
from bot.outbox.queue import OutboxEntry, list_outbox, notify_support, retry_failed
from bot.outbox.sender import Sender, SendResult

__all__ = [
    "MailSettings",
    "OutboxEntry",
    "OutboxRow",
    "SendResult",
    "Sender",
    "SmtpServer",
    "list_outbox",
    "notify_support",
    "parse_smtp_url",
    "retry_failed",
    "support_inbox",
    "thread_id",
]
