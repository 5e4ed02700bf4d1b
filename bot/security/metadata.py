"""What a message's metadata may say about the customer, built by the channels, read by actions.

The channels never pass a client's metadata through: they build ``{"customer": {...},
"client": ...}`` themselves. ``customer["verified"]`` is True only when the identity came from
a genuine identity token (bot.security.identity); anything the client merely claimed is kept,
marked ``"verified": False``. The readers here accept any shape (a list, a string, None) and
never raise: a malformed message must not crash an action or put its tracker in a log.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Mapping
from typing import Any

from bot.security.identity import IDENTITY_FIELDS

__all__ = [
    "CONTEXT_FIELDS",
    "client_key",
    "client_of_events",
    "customer_from_events",
    "customer_from_metadata",
    "message_metadata",
]

#: Where the customer is in the app: display context only, never identity.
CONTEXT_FIELDS = {"app_version": 64, "screen": 200}
#: What an unsigned client may claim, kept as unverified.
CLAIM_FIELDS = {"account_id": 64, "user_name": 200}


def _short(value: object, longest: int) -> str | None:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return None
    text = " ".join(str(value).split())
    return text[:longest] if text else None


def _pick(data: Mapping[str, Any], fields: Mapping[str, int]) -> dict[str, str]:
    picked = {}
    for name, longest in fields.items():
        value = _short(data.get(name), longest)
        if value:
            picked[name] = value
    return picked


def message_metadata(
    custom_data: object, identity: Mapping[str, str] | None, client: str | None
) -> dict[str, Any]:
    """Return the metadata a channel stores with a message.

    Args:
        custom_data: what the client sent (the widget's ``customData``), of any shape.
        identity: the claims of a verified identity token, or None.
        client: the client's pseudonymous key (:func:`client_key`), or None.
    """
    data = custom_data if isinstance(custom_data, Mapping) else {}
    customer: dict[str, Any] = _pick(data, CONTEXT_FIELDS)
    if identity:
        customer.update(_pick(identity, IDENTITY_FIELDS), verified=True)
    else:
        claimed = _pick(data, CLAIM_FIELDS)
        if claimed or customer:
            customer.update(claimed, verified=False)
    metadata: dict[str, Any] = {}
    if customer:
        metadata["customer"] = customer
    if client:
        metadata["client"] = client
    return metadata


def customer_from_metadata(metadata: object) -> dict[str, Any]:
    """Return the customer a message's metadata names (``{}`` if none or malformed)."""
    if not isinstance(metadata, Mapping):
        return {}
    customer = metadata.get("customer")
    if isinstance(customer, Mapping):
        verified = customer.get("verified") is True
        fields = {**CONTEXT_FIELDS, **(IDENTITY_FIELDS if verified else CLAIM_FIELDS)}
        picked: dict[str, Any] = _pick(customer, fields)
        return {**picked, "verified": verified} if picked else {}
    # Conversations from before signed identities: the widget's raw customData, unverified.
    legacy = metadata.get("customData")
    if isinstance(legacy, Mapping):
        picked = _pick(legacy, {**CONTEXT_FIELDS, **CLAIM_FIELDS})
        return {**picked, "verified": False} if picked else {}
    return {}


def _user_events(events: object) -> Iterable[Mapping[str, Any]]:
    if not isinstance(events, Iterable) or isinstance(events, (str, bytes, Mapping)):
        return []
    chosen = [
        event
        for event in events
        if isinstance(event, Mapping) and event.get("event") in ("user", "session_started")
    ]
    return reversed(chosen)


def customer_from_events(events: object) -> dict[str, Any]:
    """Return the conversation's customer: its latest verified identity, else its latest claim."""
    claim: dict[str, Any] = {}
    for event in _user_events(events):
        customer = customer_from_metadata(event.get("metadata"))
        if customer.get("verified"):
            return customer
        if customer and not claim:
            claim = customer
    return claim


def client_of_events(events: object) -> str | None:
    """Return the client key the channel put on the conversation's latest message, if any."""
    for event in _user_events(events):
        metadata = event.get("metadata")
        if isinstance(metadata, Mapping) and isinstance(metadata.get("client"), str):
            return str(metadata["client"])[:64]
    return None


def client_key(address: str, key: bytes) -> str:
    """Return a pseudonymous key for a client address (the address itself is never stored)."""
    return hmac.new(key, b"client:" + address.encode(), hashlib.sha256).hexdigest()[:20]
