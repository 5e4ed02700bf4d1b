"""Rasa's REST channel, refusing request bodies of the wrong shape with a 400, not a 500.

Rasa 3.6 reads ``sender`` and ``message`` with ``request.json.get(...)``: a JSON array or a
number as the body raises inside the handler and the client gets a server error. Rasa also
defaults a missing ``sender`` to one shared conversation and stores the client's ``metadata``
as it came. Here ``sender`` is required and may not name a web chat conversation (those belong
to their socket.io client), the message limits apply (413/429 with a reply to show), and the
metadata is rebuilt: whatever identity the body claims is kept as ``"verified": False``.
"""

from __future__ import annotations

from typing import Any

from rasa.core.channels.rest import RestInput
from sanic.exceptions import InvalidUsage, SanicException
from sanic.request import Request

from bot.security import (
    MessageGate,
    SecuritySettings,
    client_address,
    client_key,
    is_channel_conversation,
    message_metadata,
)
from bot.settings import Settings

#: Longest ``sender`` accepted: the tracker store keys conversations on it.
MAX_SENDER_CHARS = 200


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

    _gate: MessageGate | None = None
    _security: SecuritySettings | None = None

    def security(self) -> SecuritySettings:
        """The security settings, read on first use (nothing is read at import time)."""
        if self._security is None:
            self._security = Settings.from_env().security
        return self._security

    def gate(self) -> MessageGate:
        """The message limits, made on first use."""
        if self._gate is None:
            self._gate = MessageGate(self.security())
        return self._gate

    async def _extract_sender(self, req: Request) -> str | None:
        sender = self._body(req).get("sender")
        if not isinstance(sender, str) or not sender.strip():
            raise InvalidUsage('"sender" is required: a string naming the conversation')
        if len(sender) > MAX_SENDER_CHARS or is_channel_conversation(sender):
            raise InvalidUsage(f'"sender" must be at most {MAX_SENDER_CHARS} characters and '
                               "not a web chat conversation")
        message = self._body(req).get("message")
        refusal = self.gate().check(message, sender, _address(req, self.security()))
        if refusal is not None:
            raise SanicException(refusal.reply, status_code=refusal.status)
        return sender

    def _extract_message(self, req: Request) -> str | None:
        message = self._body(req).get("message")
        if message is not None and not isinstance(message, str):
            raise InvalidUsage('"message" must be a string')
        return message

    def get_metadata(self, request: Request) -> dict[str, Any] | None:
        """Rebuild the metadata: a claimed identity stays unverified, nothing else passes."""
        metadata = self._body(request).get("metadata")
        custom_data = metadata.get("customData", metadata) if isinstance(metadata, dict) else {}
        settings = self.security()
        address = _address(request, settings)
        tag = None
        if address and not settings.is_unlimited(address):
            tag = client_key(address, settings.session_key)
        return message_metadata(custom_data, None, tag)

    def _extract_input_channel(self, req: Request) -> str:
        # The channel is this one, whatever the body claims.
        return self.name()


def _address(request: Request, settings: SecuritySettings) -> str | None:
    return client_address(
        request.ip or None,
        request.headers.get("x-forwarded-for"),
        settings.is_trusted_proxy,
    )
