"""Conversation tokens: a conversation id is usable only by the client it was issued to.

The socket.io channel issues ``<conversation id>.<signature>`` on ``session_request``; the web
chat keeps it as its ``session_id`` (rasa-webchat stores and sends it back unchanged), and each
message must carry it. The conversation id alone (as on tickets and in logs) opens nothing.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import uuid
from collections.abc import Callable

__all__ = [
    "CONVERSATION_PREFIX",
    "client_address",
    "conversation_of",
    "is_channel_conversation",
    "issue_session",
    "origin_allowed",
]

#: Conversation ids the socket.io channel issues; REST may not name them.
CONVERSATION_PREFIX = "web-"
_CONVERSATION = re.compile(r"web-[0-9a-f]{32}")


def _signature(key: bytes, conversation_id: str) -> str:
    digest = hmac.new(key, b"session:" + conversation_id.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:18]).decode()


def issue_session(key: bytes) -> tuple[str, str]:
    """Return a new (conversation id, session token)."""
    conversation_id = CONVERSATION_PREFIX + uuid.uuid4().hex
    return conversation_id, f"{conversation_id}.{_signature(key, conversation_id)}"


def conversation_of(token: object, key: bytes) -> str | None:
    """Return the conversation a session token was issued for, or None if it is not genuine."""
    if not isinstance(token, str) or len(token) > 100:
        return None
    conversation_id, _, signature = token.partition(".")
    if not _CONVERSATION.fullmatch(conversation_id):
        return None
    if not hmac.compare_digest(signature, _signature(key, conversation_id)):
        return None
    return conversation_id


def is_channel_conversation(sender: str) -> bool:
    """Whether ``sender`` names a conversation the socket.io channel owns."""
    return sender.startswith(CONVERSATION_PREFIX)


def origin_allowed(origin: str, allowed: list[str] | tuple[str, ...]) -> bool:
    """Whether a browser's ``Origin`` is in the CORS list (``*`` allows any: local use only)."""
    wanted = origin.strip().rstrip("/").lower()
    for entry in allowed:
        entry = entry.strip().rstrip("/").lower()
        if entry in ("*", ".*") or entry == wanted:
            return True
    return False


def client_address(
    peer: str | None, forwarded_for: str | None, trusted: Callable[[str], bool]
) -> str | None:
    """Return the client's address: the peer, or the last hop a trusted proxy forwarded for."""
    if peer and forwarded_for and trusted(peer):
        hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
        # Walk back through our own proxies; the first other hop is the client.
        while hops and trusted(hops[-1]):
            hops.pop()
        if hops:
            return hops[-1]
    return peer or None
