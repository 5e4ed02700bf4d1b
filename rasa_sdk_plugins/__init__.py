"""rasa-sdk's plugin hook (rasa_sdk/plugin.py imports this package): failures without personal data.

rasa-sdk 3.6 answers a failing action with the whole tracker in its 500 body, and Rasa logs
that body. ``rasa run actions`` (run from the project root, which Rasa puts on ``sys.path``)
finds this package by name and calls :func:`init_hooks`; the action server then answers and
logs failures as bot/security/logs.py says: the kind and the stack, never the request.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

import pluggy
from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.security.logs import failure_body, failure_summary

log = logging.getLogger("actions.failures")
hookimpl = pluggy.HookimplMarker("rasa_sdk")


@hookimpl
def attach_sanic_app_extensions(app: Sanic) -> None:
    """Replace rasa-sdk's exception handler (registered before this hook runs)."""

    @app.exception(Exception)
    async def private_failure(request: Request, exception: Exception) -> HTTPResponse:
        action_name = _action_name(request)
        log.error("Action %s failed: %s", action_name or "(unknown)", failure_summary(exception))
        return response.json(failure_body(exception, action_name), status=500)


def _action_name(request: Request) -> str | None:
    try:
        body: Any = request.json
    except Exception:  # an unreadable body is the failure being reported
        return None
    name = body.get("next_action") if isinstance(body, dict) else None
    return name if isinstance(name, str) else None


def init_hooks(manager: pluggy.PluginManager) -> None:
    """Register syncdesk's hooks with rasa-sdk's plugin manager."""
    manager.register(sys.modules[__name__])
