"""Deliver the outbox to the support inbox over SMTP, with retries and back-off.

Run as its own program (``python -m bot outbox send --forever``, under supervisord or systemd):
a ticket is never held up by the mail server, and a mail server that is down for a while only
delays the email. Each email is claimed before it is sent and marked after, in short
transactions, so two senders never send one twice and a restarted sender picks up where the
last one stopped.
"""

from __future__ import annotations

import email
import email.policy
import logging
import os
import smtplib
import socket
import ssl
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import sessionmaker

from bot.outbox.config import MailSettings, SmtpServer
from bot.outbox.queue import claim_next, mark_failed, mark_retry, mark_sent

__all__ = ["Delivery", "SendResult", "Sender", "smtp_delivery"]

log = logging.getLogger(__name__)

#: How long a claimed email stays this sender's; well beyond one SMTP conversation.
LEASE = timedelta(minutes=5)
_SMTP_TIMEOUT = 30
_LOOPBACK = {"localhost", "127.0.0.1", "::1"}

#: Hands one message to the mail server; raises on failure.
Delivery = Callable[[EmailMessage], None]


class PermanentFailure(smtplib.SMTPException):
    """The mail server refused the email for good (5xx), or the settings are wrong."""


@dataclass(frozen=True)
class SendResult:
    """What one pass over the outbox did."""

    sent: int = 0
    retrying: int = 0
    failed: int = 0


def smtp_delivery(server: SmtpServer, timeout: float = _SMTP_TIMEOUT) -> Delivery:
    """Return a delivery over SMTP: implicit TLS for smtps, STARTTLS whenever it is offered."""

    def deliver(message: EmailMessage) -> None:
        context = ssl.create_default_context()
        client: smtplib.SMTP
        if server.tls:
            client = smtplib.SMTP_SSL(server.host, server.port, timeout=timeout, context=context)
        else:
            client = smtplib.SMTP(server.host, server.port, timeout=timeout)
        with client:
            client.ehlo()
            secure = server.tls
            if not secure and client.has_extn("starttls"):
                client.starttls(context=context)
                client.ehlo()
                secure = True
            if server.user:
                if not secure and server.host not in _LOOPBACK:
                    raise PermanentFailure(
                        f"{server.host} offers no TLS: refusing to send the SMTP password in clear"
                    )
                client.login(server.user, server.password or "")
            client.send_message(message)

    return deliver


class Sender:
    """Sends what is due in the outbox; one instance per process."""

    def __init__(
        self,
        sessions: sessionmaker,
        mail: MailSettings,
        delivery: Delivery | None = None,
    ) -> None:
        """Send with ``delivery`` (default: SMTP as ``mail`` says) from ``sessions``' database."""
        if delivery is None:
            if mail.smtp is None:
                raise ValueError("SYNCDESK_SMTP_URL is not set: there is nowhere to send to")
            delivery = smtp_delivery(mail.smtp)
        self.sessions = sessions
        self.mail = mail
        self.delivery = delivery
        self.worker = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.stopping = threading.Event()

    def send_due(self) -> SendResult:
        """Send every email that is due now, one at a time; return what happened."""
        sent = retrying = failed = 0
        while not self.stopping.is_set():
            with self.sessions.begin() as session:
                claimed = claim_next(session, self.worker, LEASE)
            if claimed is None:
                break
            message = email.message_from_string(claimed.message, policy=email.policy.SMTP)
            assert isinstance(message, EmailMessage)
            label = f"{message['X-Syncdesk-Ticket']} {message['Message-ID']}"
            try:
                self.delivery(message)
            except (OSError, smtplib.SMTPException) as problem:
                if _permanent(problem):
                    with self.sessions.begin() as session:
                        mark_failed(session, claimed, self.worker, _describe(problem))
                    log.error("Email %s refused for good: %s (python -m bot outbox retry)",
                              label, _describe(problem))
                    failed += 1
                    continue
                retrying += self._retry_later(claimed, label, problem)
            else:
                with self.sessions.begin() as session:
                    mark_sent(session, claimed, self.worker)
                log.info("Email %s delivered to %s", label, message["To"])
                sent += 1
        return SendResult(sent, retrying, failed)

    def run(self, forever: bool = False, poll_seconds: float = 2.0) -> SendResult:
        """Send what is due; with ``forever``, keep polling until :meth:`stop`."""
        total = SendResult()
        while True:
            try:
                result = self.send_due()
            except SQLAlchemyError as problem:
                if not forever:
                    raise
                log.error("The outbox database is unreachable (%s); trying again",
                          type(problem).__name__)
                result = SendResult()
            total = SendResult(
                total.sent + result.sent,
                total.retrying + result.retrying,
                total.failed + result.failed,
            )
            if not forever or self.stopping.wait(poll_seconds):
                return total

    def stop(self) -> None:
        """Finish the email being sent, then stop."""
        self.stopping.set()

    def _retry_later(self, claimed, label: str, problem: BaseException) -> int:  # type: ignore[no-untyped-def]
        wait = min(
            self.mail.retry_seconds * 2 ** max(claimed.attempts - 1, 0),
            self.mail.max_retry_seconds,
        )
        with self.sessions.begin() as session:
            mark_retry(session, claimed, self.worker, _describe(problem), timedelta(seconds=wait))
        log.warning("Email %s not delivered (attempt %d: %s); trying again in %.1f s",
                    label, claimed.attempts, _describe(problem), wait)
        return 1


def _permanent(problem: BaseException) -> bool:
    """Say whether the mail server refused for good (5xx), rather than for now (4xx, down)."""
    if isinstance(problem, PermanentFailure):
        return True
    if isinstance(problem, smtplib.SMTPRecipientsRefused):
        return all(500 <= code < 600 for code, _text in problem.recipients.values())
    if isinstance(problem, smtplib.SMTPResponseException):
        return 500 <= problem.smtp_code < 600
    return False


def _describe(problem: BaseException) -> str:
    return f"{type(problem).__name__}: {problem}".strip()
