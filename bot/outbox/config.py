"""How syncdesk reaches the support inbox: the SMTP server and the sender address.

They are ``Settings.mail`` (read in :mod:`bot.settings`); the services, the sender command and
the tests pass them in.
"""

from __future__ import annotations

from bot.settings import MailSettings, SmtpServer, parse_smtp_url

__all__ = ["MailSettings", "SmtpServer", "parse_smtp_url"]
