"""The security settings: signing keys, limits and trusted proxies, from the environment, read once.

Keys come from ``SYNCDESK_<NAME>_KEY`` or a file named by ``SYNCDESK_<NAME>_KEY_FILE`` (a
Docker/systemd secret). Outside production a missing key is made once, at random, in
``.var/<name>.key``, so the local demo and the servers share it; in production
(``SYNCDESK_ENV=production``) there is no default: a missing identity key turns verification
off (every in-app identity stays "unverified"), and a short or ``change-me`` key is refused.
"""

from __future__ import annotations

import functools
import ipaddress
import logging
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from bot.settings import PROJECT_ROOT

__all__ = ["InsecureKey", "SecuritySettings", "security_settings"]

log = logging.getLogger(__name__)

#: Shorter keys are refused in production (RFC 7518 §3.2: HS256 keys of at least 256 bits).
MIN_KEY_BYTES = 32
_PLACEHOLDERS = ("change-me", "changeme", "secret", "example")


class InsecureKey(RuntimeError):
    """A signing key that must not be used in production (missing, short or a placeholder)."""


@dataclass(frozen=True)
class SecuritySettings:
    """What the channels and actions enforce.

    Attributes:
        identity_key: HS256 key shared with the Joblogic app's backend (``SYNCDESK_IDENTITY_KEY``
            or ``_FILE``); None: no in-app identity is ever verified.
        session_key: syncdesk's own key for conversation tokens (``SYNCDESK_SESSION_KEY``
            or ``_FILE``).
        identity_max_age: longest lifetime (exp - iat, seconds) an identity token may claim.
        max_message_chars: longest message accepted (``SYNCDESK_MAX_MESSAGE_CHARS``).
        max_value_chars: longest value in a button payload ``/intent{"slot": "…"}``.
        messages_per_minute_client: per client address (``SYNCDESK_MESSAGES_PER_MINUTE_CLIENT``).
        messages_per_minute_conversation: per conversation.
        tickets_per_conversation: new tickets one conversation may open.
        tickets_per_client_hour: new tickets one client address may open per hour.
        trusted_proxies: peers whose ``X-Forwarded-For`` names the client (nginx).
        unlimited_clients: addresses no rate limit applies to (loopback: tests and benches).
    """

    identity_key: bytes | None
    session_key: bytes
    identity_max_age: int = 3600
    max_message_chars: int = 50_000
    max_value_chars: int = 200
    messages_per_minute_client: int = 120
    messages_per_minute_conversation: int = 30
    tickets_per_conversation: int = 5
    tickets_per_client_hour: int = 10
    trusted_proxies: tuple[str, ...] = ()
    unlimited_clients: tuple[str, ...] = ("127.0.0.1", "::1")

    def is_trusted_proxy(self, address: str) -> bool:
        """Whether ``address`` is a proxy whose ``X-Forwarded-For`` we believe."""
        return _in(address, self.trusted_proxies)

    def is_unlimited(self, address: str | None) -> bool:
        """Whether ``address`` is exempt from the per-client limits."""
        return address is not None and _in(address, self.unlimited_clients)


def _in(address: str, networks: tuple[str, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(net, strict=False) for net in networks)


def _production() -> bool:
    return os.environ.get("SYNCDESK_ENV") == "production"


def read_key(name: str, *, required: bool) -> bytes | None:
    """Return the key ``SYNCDESK_<NAME>_KEY`` (or from its ``_FILE``); see the module's notes."""
    variable = f"SYNCDESK_{name.upper()}_KEY"
    value = os.environ.get(variable)
    path = os.environ.get(f"{variable}_FILE")
    if not value and path:
        value = Path(path).read_text(encoding="utf-8").strip()
    if value:
        if _production() and (
            len(value.encode()) < MIN_KEY_BYTES
            or any(word in value.lower() for word in _PLACEHOLDERS)
        ):
            raise InsecureKey(
                f"{variable} is too short or a placeholder: use at least {MIN_KEY_BYTES} random "
                "bytes, e.g. `python -c 'import secrets; print(secrets.token_urlsafe(48))'`"
            )
        return value.encode()
    if _production():
        if required:
            # Not a default: a fresh key per process (sessions don't survive a restart).
            log.warning("%s is not set: conversation tokens work on this server only", variable)
            return secrets.token_bytes(MIN_KEY_BYTES)
        log.warning("%s is not set: in-app identities are kept as unverified", variable)
        return None
    return _local_key(PROJECT_ROOT / ".var" / f"{name}.key")


def _local_key(path: Path) -> bytes:
    """Return the development key in ``path``, made at random by whoever reads it first."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(descriptor, "w") as out:
            out.write(secrets.token_urlsafe(48) + "\n")
    for _ in range(50):  # another process may be between creating and writing it
        key = path.read_text(encoding="utf-8").strip()
        if key:
            return key.encode()
        time.sleep(0.02)
    raise InsecureKey(f"{path} is empty: delete it and start again")


def _int(name: str, default: int) -> int:
    value = os.environ.get(f"SYNCDESK_{name}")
    return int(value) if value else default


def _words(name: str, default: tuple[str, ...]) -> tuple[str, ...]:
    value = os.environ.get(f"SYNCDESK_{name}")
    return default if value is None else tuple(value.replace(",", " ").split())


@functools.lru_cache(maxsize=1)
def security_settings() -> SecuritySettings:
    """Read the security settings from the environment (once per process)."""
    defaults = SecuritySettings(identity_key=None, session_key=b"")
    return SecuritySettings(
        identity_key=read_key("identity", required=False),
        session_key=read_key("session", required=True) or b"",
        identity_max_age=_int("IDENTITY_MAX_AGE", defaults.identity_max_age),
        max_message_chars=_int("MAX_MESSAGE_CHARS", defaults.max_message_chars),
        max_value_chars=_int("MAX_VALUE_CHARS", defaults.max_value_chars),
        messages_per_minute_client=_int(
            "MESSAGES_PER_MINUTE_CLIENT", defaults.messages_per_minute_client
        ),
        messages_per_minute_conversation=_int(
            "MESSAGES_PER_MINUTE_CONVERSATION", defaults.messages_per_minute_conversation
        ),
        tickets_per_conversation=_int(
            "TICKETS_PER_CONVERSATION", defaults.tickets_per_conversation
        ),
        tickets_per_client_hour=_int("TICKETS_PER_CLIENT_HOUR", defaults.tickets_per_client_hour),
        trusted_proxies=_words("TRUSTED_PROXIES", defaults.trusted_proxies),
        unlimited_clients=_words("UNLIMITED_CLIENTS", defaults.unlimited_clients),
    )
