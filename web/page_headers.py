"""The security headers on syncdesk's web pages, here and behind nginx (deploy/nginx.conf).

One policy for every page ``web/serve.py`` answers; nginx passes the pages through with these
headers and adds HSTS, which only means something over HTTPS.

- ``Content-Security-Policy``: scripts only from the site itself plus the exact inline scripts
  of ``web/public`` (by hash); the socket.io connection only to the site and the bot; framing only
  by the site and the in-app origins in ``SYNCDESK_FRAME_ANCESTORS`` (space-separated).
  rasa-webchat injects its styles at run time, hence ``style-src 'unsafe-inline'``.
- ``Referrer-Policy: no-referrer``: no page address leaves with a link a customer follows.
- ``X-Content-Type-Options: nosniff``.
"""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path
from urllib.parse import urlsplit

from bot.settings import Settings

__all__ = ["frame_ancestors", "inline_script_hashes", "security_headers"]

_INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.S | re.I)
_ORIGIN = re.compile(r"^https?://(\*\.)?[A-Za-z0-9.-]+(:\d+)?$")


def inline_script_hashes(public: Path) -> list[str]:
    """Return the CSP hash source of every inline ``<script>`` in the pages under ``public``."""
    hashes = []
    for page in sorted(public.glob("*.html")):
        for script in _INLINE_SCRIPT.findall(page.read_text(encoding="utf-8")):
            digest = hashlib.sha256(script.encode()).digest()
            hashes.append(f"'sha256-{base64.b64encode(digest).decode()}'")
    return sorted(set(hashes))


def frame_ancestors(setting: str | None = None) -> list[str]:
    """Return the origins allowed to frame the pages (``SYNCDESK_FRAME_ANCESTORS``), checked.

    Raises:
        ValueError: an entry is not an http(s) origin (a typo must not open the pages to all).
    """
    value = Settings.from_env().web.frame_ancestors if setting is None else setting
    origins = value.split()
    wrong = [origin for origin in origins if not _ORIGIN.match(origin)]
    if wrong:
        raise ValueError(
            f"SYNCDESK_FRAME_ANCESTORS: {' '.join(wrong)} is not an origin like https://app.example.com"
        )
    return origins


def _bot_sources(bot_url: str) -> list[str]:
    """Return the bot's origin for HTTP (socket.io polling) and WebSocket connections."""
    parts = urlsplit(bot_url)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        return []
    socket_scheme = "wss" if parts.scheme == "https" else "ws"
    return [f"{parts.scheme}://{parts.netloc}", f"{socket_scheme}://{parts.netloc}"]


def security_headers(
    bot_url: str, public: Path, ancestors: list[str] | None = None
) -> list[tuple[str, str]]:
    """Return the headers every page answer carries."""
    framers = frame_ancestors() if ancestors is None else ancestors
    policy = {
        "default-src": ["'self'"],
        "script-src": ["'self'", *inline_script_hashes(public)],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'", *_bot_sources(bot_url)],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'self'", *framers],
    }
    csp = "; ".join(f"{name} {' '.join(sources)}" for name, sources in policy.items())
    return [
        ("Content-Security-Policy", csp),
        ("Referrer-Policy", "no-referrer"),
        ("X-Content-Type-Options", "nosniff"),
    ]
