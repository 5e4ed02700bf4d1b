"""Rasa's REST channel, refusing request bodies of the wrong shape with a 400, not a 500.

Rasa 3.6 reads ``sender`` and ``message`` with ``request.json.get(...)``: a JSON array or a
number as the body raises inside the handler and the client gets a server error.
"""

from __future__ import annotations

from typing import Any

from rasa.core.channels.rest import RestInput
from sanic.exceptions import InvalidUsage
from sanic.request import Request


class CheckedRestInput(RestInput):
    """``/webhooks/rest/webhook``: JSON ``{"sender": str, "message": str}``, else 400."""

    @classmethod
    def name(cls) -> str:
        """Keep Rasa's channel name, so the URL and the trackers' input channel are unchanged."""
        return "rest"

    @staticmethod
    def _body(request: Request) -> dict[str, Any]:
        body = request.json
        if not isinstance(body, dict):
            raise InvalidUsage('Send a JSON object: {"sender": "...", "message": "..."}')
        return body

    async def _extract_sender(self, req: Request) -> str | None:
        sender = self._body(req).get("sender")
        if sender is not None and not isinstance(sender, str):
            raise InvalidUsage('"sender" must be a string')
        return sender

    def _extract_message(self, req: Request) -> str | None:
        message = self._body(req).get("message")
        if message is not None and not isinstance(message, str):
            raise InvalidUsage('"message" must be a string')
        return message

    def _extract_input_channel(self, req: Request) -> str:
        # The channel is this one, whatever the body claims.
        return self.name()
