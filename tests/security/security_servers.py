"""One action server and one Rasa server for the security tests, with tight limits.

Every request names its client with ``X-Forwarded-For`` (the servers trust 127.0.0.1 as a
proxy), so each test counts against its own address and loopback is not exempt.
"""

from __future__ import annotations

import secrets
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bot.settings import PROJECT_ROOT

sys.path.insert(0, str(PROJECT_ROOT / "tests" / "integration"))
import services  # noqa: E402

ORIGIN = "http://localhost:8000"
LIMITS = {
    "SYNCDESK_TRUSTED_PROXIES": "127.0.0.1",
    "SYNCDESK_UNLIMITED_CLIENTS": "",
    "SYNCDESK_MESSAGES_PER_MINUTE_CLIENT": "20",
    "SYNCDESK_MESSAGES_PER_MINUTE_CONVERSATION": "10",
    "SYNCDESK_MAX_MESSAGE_CHARS": "50000",
    "SYNCDESK_MAX_VALUE_CHARS": "200",
    "SYNCDESK_TICKETS_PER_CLIENT_HOUR": "2",
}


@dataclass
class Servers:
    """The running pair: URLs, the API token, the keys, the database and the logs."""

    rasa: str
    actions: str
    api_token: str
    identity_key: str
    db_url: str
    rasa_log: Path
    actions_log: Path


@contextmanager
def running_servers(folder: Path) -> Iterator[Servers]:
    """Start both servers on free ports against a fresh KB in ``folder``; stop them on exit."""
    identity_key = secrets.token_urlsafe(48)
    env = services.server_env(
        SYNCDESK_DB_URL=f"sqlite:///{folder / 'syncdesk.db'}",
        SYNCDESK_IDENTITY_KEY=identity_key,
        SYNCDESK_SESSION_KEY=secrets.token_urlsafe(48),
        **LIMITS,
    )
    token = secrets.token_urlsafe(16)
    rasa_args = ["--enable-api", "--auth-token", token, "--cors", ORIGIN]
    with services.bot_servers(folder, env, rasa_args=rasa_args) as bot:
        yield Servers(
            rasa=bot.url,
            actions=bot.actions_url,
            api_token=token,
            identity_key=identity_key,
            db_url=bot.db_url,
            rasa_log=bot.rasa_log,
            actions_log=bot.actions_log,
        )
