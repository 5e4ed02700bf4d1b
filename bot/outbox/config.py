"""How syncdesk reaches the support inbox: the SMTP server and the sender address, read once."""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

__all__ = ["MailSettings", "SmtpServer", "mail_settings", "parse_smtp_url"]


@dataclass(frozen=True)
class SmtpServer:
    """Where to deliver: ``smtp://user:pass@host:port`` (STARTTLS if offered) or ``smtps://``."""

    host: str
    port: int
    tls: bool  # implicit TLS (smtps); plain smtp upgrades with STARTTLS when the server offers it
    user: str | None = None
    password: str | None = None

    def __repr__(self) -> str:
        """Show the server without its password."""
        scheme = "smtps" if self.tls else "smtp"
        user = f"{self.user}:***@" if self.user else ""
        return f"SmtpServer({scheme}://{user}{self.host}:{self.port})"


@dataclass(frozen=True)
class MailSettings:
    """Email to support.

    Attributes:
        smtp: the SMTP server (``SYNCDESK_SMTP_URL``); None: no email, as in local development.
        sender: the From address (``SYNCDESK_MAIL_FROM``; default the SMTP user when it is an
            address, else ``syncdesk@localhost``).
        retry_seconds: the first wait before trying a failed delivery again, doubled each time
            up to ``max_retry_seconds`` (``SYNCDESK_OUTBOX_RETRY_SECONDS``, default 30).
    """

    smtp: SmtpServer | None
    sender: str = "syncdesk@localhost"
    retry_seconds: float = 30.0
    max_retry_seconds: float = 1800.0

    @property
    def enabled(self) -> bool:
        """Say whether tickets are emailed at all."""
        return self.smtp is not None

    @property
    def domain(self) -> str:
        """Return the domain of the sender address, for Message-IDs."""
        return self.sender.rpartition("@")[2] or "localhost"


def parse_smtp_url(url: str) -> SmtpServer:
    """Return the server an ``smtp://`` or ``smtps://`` URL names; ValueError if it is not one."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise ValueError(
            "SYNCDESK_SMTP_URL must look like smtp://user:password@host:port or smtps://…"
        )
    tls = parts.scheme == "smtps"
    return SmtpServer(
        host=parts.hostname,
        port=parts.port or (465 if tls else 25),
        tls=tls,
        user=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
    )


@functools.lru_cache(maxsize=1)
def mail_settings() -> MailSettings:
    """Read the email settings from the environment (once per process)."""
    url = os.environ.get("SYNCDESK_SMTP_URL", "").strip()
    smtp = parse_smtp_url(url) if url else None
    default_sender = smtp.user if smtp and smtp.user and "@" in smtp.user else None
    return MailSettings(
        smtp=smtp,
        sender=os.environ.get("SYNCDESK_MAIL_FROM") or default_sender or "syncdesk@localhost",
        retry_seconds=float(os.environ.get("SYNCDESK_OUTBOX_RETRY_SECONDS") or 30),
    )
