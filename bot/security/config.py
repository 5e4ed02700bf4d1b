"""The security settings: signing keys, limits and trusted proxies (read in :mod:`bot.settings`).

They are ``Settings.security``; the channels build theirs once, the action server's come with
its services (``services.settings.security``), tests build their own.
"""

from __future__ import annotations

from bot.settings import MIN_KEY_BYTES, InsecureKey, SecuritySettings, read_key

__all__ = ["MIN_KEY_BYTES", "InsecureKey", "SecuritySettings", "read_key"]
