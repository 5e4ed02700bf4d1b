"""Rasa's socket.io channel, with conversations that belong to their client and verified identity.

Rasa 3.6's ``SocketIOInput`` lets the client choose its ``session_id``, joins the socket to that
room and never checks later messages against it: anyone who learns a conversation id reads and
writes that conversation. This channel (credentials.yml: ``channels.socketio.SecureSocketIOInput``)

- refuses browsers whose ``Origin`` is not in the server's CORS list (``--cors``);
- answers ``session_request`` with a signed session token (``web-<id>.<signature>``, kept by
  rasa-webchat as its ``session_id``), issuing a new conversation for anything it did not sign,
  and only then joins the socket to the conversation's room;
- accepts a message only with the token of the conversation this socket was confirmed for;
- applies the message limits (size, values, per client and conversation) with a clear reply;
- verifies the in-app identity token (``customData.identity_token``) and stores only
  ``{"customer": {..., "verified": bool}, "client": <pseudonymous key>}`` as metadata;
- with ``SYNCDESK_SOCKETIO_REDIS_URL``, passes every emit through Redis (python-socketio's
  ``AsyncRedisManager``), so a message for a conversation's room sent on one Rasa server (the
  console's, through Rasa's HTTP API) reaches the customer's socket on another.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.socketio import SocketBlueprint, SocketIOInput, SocketIOOutput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import AsyncManager, AsyncRedisManager, AsyncServer

from bot.security import (
    MessageGate,
    SecuritySettings,
    client_address,
    client_key,
    conversation_of,
    issue_session,
    message_metadata,
    origin_allowed,
    verify_identity_token,
)
from bot.settings import Settings

__all__ = ["REDIS_CHANNEL", "SESSION_REFUSED", "SecureSocketIOInput", "client_manager"]

log = logging.getLogger(__name__)

SESSION_REFUSED = (
    "This chat has been reset. Please reload the page to start a new conversation."
)
#: Where the widget puts the in-app identity token inside ``customData``.
IDENTITY_TOKEN = "identity_token"
#: The Redis pub/sub channel the Rasa servers share. Pub/sub ignores Redis database numbers, so
#: this name (not the URL's database) keeps it apart; the lock store only uses keys.
REDIS_CHANNEL = "syncdesk-socketio"


@dataclass
class _Client:
    """One connected socket: where it comes from and the conversation it was confirmed for."""

    address: str | None
    conversation: str | None = None


class SecureSocketIOInput(SocketIOInput):
    """socket.io: signed conversations, checked origin, limits, verified identity."""

    @classmethod
    def name(cls) -> str:
        """Keep Rasa's channel name: trackers and tickets say "socketio"."""
        return "socketio"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        """Read Rasa's options, and ``cors_origins`` (default: the server's ``--cors``)."""
        credentials = credentials or {}
        channel = super().from_credentials(credentials)
        assert isinstance(channel, SecureSocketIOInput)
        origins = credentials.get("cors_origins")
        channel.cors_origins = origins.split() if isinstance(origins, str) else origins
        return channel

    cors_origins: list[str] | None = None

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """Serve socket.io on ``socketio_path`` with the checks above."""
        configured = Settings.from_env()  # read once, when Rasa builds the channel
        settings = configured.security
        gate = MessageGate(settings)
        # CORS headers come from Rasa's sanic-cors; the origin itself is checked on connect.
        sio = AsyncServer(
            async_mode="sanic",
            cors_allowed_origins=[],
            client_manager=client_manager(configured.socketio_redis_url),
            # Engine.IO drops the connection of a packet over 1 MB by default, silently: let a
            # pasted sync log up to the message limit through, so the gate answers one too long.
            max_http_buffer_size=4 * settings.max_message_chars + 65_536,
        )
        socketio_webhook = SocketBlueprint(sio, self.socketio_path, "socketio_webhook", __name__)
        self.sio = sio
        namespace = self.namespace or "/"
        clients: dict[str, _Client] = {}

        @socketio_webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        async def tell(sid: str, text: str) -> None:
            await sio.emit(self.bot_message_evt, {"text": text}, room=sid, namespace=namespace)

        @sio.on("connect", namespace=namespace)
        async def connect(sid: str, environ: dict[str, Any], auth: Any = None) -> bool:
            request = environ.get("sanic.request")
            origin = environ.get("HTTP_ORIGIN")
            if origin and not origin_allowed(origin, self._allowed_origins(request)):
                log.warning("socket.io connection refused: origin %.100s is not allowed", origin)
                return False
            clients[sid] = _Client(_address(request, settings))
            return True

        @sio.on("disconnect", namespace=namespace)
        async def disconnect(sid: str) -> None:
            clients.pop(sid, None)

        @sio.on("session_request", namespace=namespace)
        async def session_request(sid: str, data: Any) -> None:
            client = clients.get(sid)
            if client is None:
                return
            token = data.get("session_id") if isinstance(data, dict) else None
            conversation = conversation_of(token, settings.session_key)
            if conversation is None:
                # Not one we signed (new, forged, or another server's key): a new conversation.
                conversation, token = issue_session(settings.session_key)
            if client.conversation and client.conversation != conversation:
                sio.leave_room(sid, client.conversation, namespace=namespace)
            client.conversation = conversation
            # python-socketio 5.9: enter_room is synchronous (README: pinned below 5.10).
            sio.enter_room(sid, conversation, namespace=namespace)
            await sio.emit("session_confirm", token, room=sid, namespace=namespace)

        @sio.on(self.user_message_evt, namespace=namespace)
        async def handle_message(sid: str, data: Any) -> None:
            client = clients.get(sid)
            if client is None or not isinstance(data, dict):
                return
            conversation = conversation_of(data.get("session_id"), settings.session_key)
            if conversation is None or conversation != client.conversation:
                log.warning("socket.io message refused: not the conversation this socket owns")
                await tell(sid, SESSION_REFUSED)
                return
            text = data.get("message")
            refusal = gate.check(text, conversation, client.address)
            if refusal is not None:
                await tell(sid, refusal.reply)
                return
            custom_data = _custom_data(data.get(self.metadata_key))
            identity = verify_identity_token(
                custom_data.get(IDENTITY_TOKEN),
                settings.identity_key,
                max_age=settings.identity_max_age,
            )
            tag = None
            if client.address and not settings.is_unlimited(client.address):
                tag = client_key(client.address, settings.session_key)
            message = UserMessage(
                text if isinstance(text, str) else "",
                SocketIOOutput(sio, self.bot_message_evt),
                conversation,
                input_channel=self.name(),
                metadata=message_metadata(custom_data, identity, tag),
            )
            await on_new_message(message)

        return socketio_webhook

    def _allowed_origins(self, request: Request | None) -> list[str]:
        """The CORS list: credentials' ``cors_origins``, else the one Rasa gave sanic-cors."""
        if self.cors_origins is not None:
            return list(self.cors_origins)
        context = getattr(getattr(request, "app", None), "ctx", None)
        resources = getattr(getattr(context, "sanic_cors", None), "resources", None) or []
        origins: list[str] = []
        for _pattern, options in resources:
            origins.extend(str(origin) for origin in options.get("origins") or [] if origin)
        return origins


def client_manager(redis_url: str | None) -> AsyncManager:
    """Return the rooms' manager: this server's own, or one shared through Redis at ``redis_url``.

    The Redis one connects when first used (a socket connects, or a message is sent), not here.
    Anyone who can publish on its channel can run code in the Rasa servers (python-socketio 5.9
    unpickles what it reads): keep that Redis password-protected and private.
    """
    if not redis_url:
        return AsyncManager()
    return AsyncRedisManager(redis_url, channel=REDIS_CHANNEL)  # logs as the server does


def _address(request: Request | None, settings: SecuritySettings) -> str | None:
    if request is None:
        return None
    return client_address(
        request.ip or None, request.headers.get("x-forwarded-for"), settings.is_trusted_proxy
    )


def _custom_data(value: Any) -> dict[str, Any]:
    """The widget's ``customData`` as a dict; anything else (a list, bad JSON) is dropped."""
    if isinstance(value, str) and len(value) <= 10_000:
        try:
            value = json.loads(value)
        except ValueError:
            return {}
    return value if isinstance(value, dict) else {}
