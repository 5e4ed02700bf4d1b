"""The in-app demo's stand-in for the Joblogic app's backend: a freshly minted identity token."""

from __future__ import annotations

import json

from bot.security.identity import mint_identity_token
from bot.settings import Settings

__all__ = ["DEMO_CUSTOMER", "demo_identity_script"]

#: The customer web/public/in-app.html shows as logged in.
DEMO_CUSTOMER = {"account_id": "JL-1042", "user_name": "Sam Patel"}


def demo_identity_script(settings: Settings | None = None) -> bytes:
    """Return ``demo-identity.js``: the demo customer's token (none in production).

    Args:
        settings: The web server's settings (default: the environment's).
    """
    settings = settings or Settings.from_env()
    key = settings.security.identity_key
    if settings.production or key is None:
        return b"window.JOBLOGIC_IDENTITY_TOKEN = null;\n"
    token = mint_identity_token(
        key, account_id=DEMO_CUSTOMER["account_id"], user_name=DEMO_CUSTOMER["user_name"], ttl=900
    )
    return f"window.JOBLOGIC_IDENTITY_TOKEN = {json.dumps(token)};\n".encode()
