"""The in-app customer's identity: a short-lived HS256 JWT minted by the Joblogic app's backend.

Claims: ``account_id`` and ``user_name`` (required), ``email`` (optional), ``iat`` and ``exp``
(required, at most ``max_age`` seconds apart), ``aud`` = ``"syncdesk"``. The key is shared
between the app's backend and syncdesk (``SYNCDESK_IDENTITY_KEY``); browsers never see it.
"""

from __future__ import annotations

import time
from typing import Any

import jwt

__all__ = [
    "ALGORITHM",
    "AUDIENCE",
    "IDENTITY_FIELDS",
    "mint_identity_token",
    "verify_identity_token",
]

AUDIENCE = "syncdesk"
ALGORITHM = "HS256"
#: The claims that say who the customer is, and the longest value each may have.
IDENTITY_FIELDS = {"account_id": 64, "user_name": 200, "email": 254}
_LEEWAY_SECONDS = 30


def mint_identity_token(
    key: bytes | str,
    *,
    account_id: str,
    user_name: str,
    email: str | None = None,
    ttl: int = 900,
    now: float | None = None,
) -> str:
    """Return a signed identity token, as the Joblogic app's backend does (tests, demo)."""
    issued = int(now if now is not None else time.time())
    claims: dict[str, Any] = {
        "aud": AUDIENCE,
        "account_id": account_id,
        "user_name": user_name,
        "iat": issued,
        "exp": issued + ttl,
    }
    if email:
        claims["email"] = email
    return jwt.encode(claims, key, algorithm=ALGORITHM)


def verify_identity_token(
    token: object, key: bytes | None, *, max_age: int = 3600, now: float | None = None
) -> dict[str, str] | None:
    """Return the token's identity claims if it is genuine, current and well formed, else None."""
    if key is None or not isinstance(token, str) or not token or len(token) > 4096:
        return None
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=[ALGORITHM],  # never "none", never the header's choice
            audience=AUDIENCE,
            leeway=_LEEWAY_SECONDS,
            options={"require": ["exp", "iat", "aud"], "verify_iat": False},
        )
    except jwt.PyJWTError:
        return None
    issued, expires = claims.get("iat"), claims.get("exp")
    if not isinstance(issued, int) or not isinstance(expires, int) or expires - issued > max_age:
        return None
    current = now if now is not None else time.time()
    if expires + _LEEWAY_SECONDS < current or issued - _LEEWAY_SECONDS > current:
        return None
    identity: dict[str, str] = {}
    for name, longest in IDENTITY_FIELDS.items():
        value = claims.get(name)
        if value is None:
            continue
        if not isinstance(value, str) or not value.strip() or len(value) > longest:
            return None
        identity[name] = value.strip()
    if "account_id" not in identity or "user_name" not in identity:
        return None
    return identity
