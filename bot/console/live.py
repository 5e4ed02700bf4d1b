"""An agent in the customer's own chat, through Rasa's HTTP API (on with ``BOT_API_TOKEN``).

Taking over appends Rasa's own ``pause`` event (the bot stays silent; Rasa still records what
the customer writes) and a bot message announcing the agent; the agent's messages are bot
messages too. ``output_channel=socketio&execute_side_effects=true`` makes Rasa send them to
the conversation's socket.io room, i.e. the customer's widget. Handing back appends ``resume``.

With several Rasa servers, any one will do: they share the rooms through Redis
(``SYNCDESK_SOCKETIO_REDIS_URL``, channels/socketio.py), so the customer's socket gets the
message on whichever server it is connected to.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from bot.security import customer_from_events

__all__ = [
    "Conversation",
    "RasaUnavailable",
    "RasaConversations",
    "conversation_view",
    "handed_back_text",
    "joined_text",
]

#: Rasa's name of the channel the customer's widget listens on (channels/socketio.py keeps it).
OUTPUT_CHANNEL = "socketio"
#: Marks, in a bot message's metadata, that an agent wrote it (and who).
AGENT_KEY = "syncdesk_agent"


def joined_text(agent_name: str) -> str:
    """Return what the customer reads when an agent joins."""
    return f"{agent_name} from Joblogic support has joined the chat."


def handed_back_text(agent_name: str) -> str:
    """Return what the customer reads when the agent hands back to the bot."""
    return (
        f"{agent_name} has left the chat, and you're back with syncdesk, Joblogic's assistant. "
        "Paste an error message or ask me anything about your Xero sync."
    )


class RasaUnavailable(RuntimeError):
    """Rasa's HTTP API did not answer, or refused (API off, wrong token)."""


@dataclass(frozen=True)
class Conversation:
    """A conversation as the agent reads it: turns, paused or not, and who the customer is."""

    conversation_id: str
    paused: bool
    turns: list[dict[str, Any]] = field(default_factory=list)
    customer: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """Return the conversation as JSON-ready data."""
        return {
            "conversation_id": self.conversation_id,
            "paused": self.paused,
            "turns": self.turns,
            "customer": self.customer,
        }


def conversation_view(conversation_id: str, events: Sequence[Mapping[str, Any]]) -> Conversation:
    """Return the turns (customer, bot, agent), the pause state and the customer of ``events``."""
    turns: list[dict[str, Any]] = []
    paused = False
    for event in events:
        kind = event.get("event")
        if kind == "pause":
            paused = True
        elif kind in ("resume", "restart"):
            paused = False
        if kind not in ("user", "bot") or not event.get("text"):
            continue
        at = event.get("timestamp")
        when = (
            datetime.fromtimestamp(float(at), timezone.utc).isoformat()
            if isinstance(at, (int, float))
            else None
        )
        text = str(event["text"])
        if kind == "user":
            if text.startswith("/"):  # a button: what it meant, not its payload
                intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
                text = f"[button] {intent or text}"
            turns.append({"who": "customer", "text": text, "at": when})
            continue
        agent = (event.get("metadata") or {}).get(AGENT_KEY)
        if agent:
            turns.append({"who": "agent", "agent": str(agent), "text": text, "at": when})
        else:
            turns.append({"who": "bot", "text": text, "at": when})
    customer = dict(customer_from_events(list(events)))
    customer["verified"] = bool(customer.get("verified"))
    return Conversation(conversation_id, paused, turns, customer)


class RasaConversations:
    """Reads and writes conversations through Rasa's HTTP API."""

    def __init__(self, url: str, token: str | None, timeout: float = 10) -> None:
        """Talk to the Rasa server at ``url`` with its API token (None: the API is off)."""
        self.url = url.rstrip("/")
        self.token = token or None
        self.timeout = timeout

    @property
    def enabled(self) -> bool:
        """Say whether there is a token to call the API with."""
        return self.token is not None

    def conversation(self, conversation_id: str) -> Conversation:
        """Return the conversation as it is now.

        Raises:
            RasaUnavailable: the API did not answer or refused.
        """
        tracker = self._call("GET", conversation_id, "tracker", {"include_events": "ALL"})
        return conversation_view(conversation_id, tracker.get("events") or [])

    def take_over(self, conversation_id: str, agent_name: str) -> None:
        """Pause the bot and tell the customer the agent has joined."""
        self._append(
            conversation_id, [{"event": "pause"}, _said(agent_name, joined_text(agent_name))]
        )

    def say(self, conversation_id: str, agent_name: str, text: str) -> None:
        """Send the agent's message to the customer's chat (recorded in the conversation)."""
        self._append(conversation_id, [_said(agent_name, text)])

    def hand_back(self, conversation_id: str, agent_name: str) -> None:
        """Tell the customer, and let the bot answer again."""
        self._append(
            conversation_id, [_said(agent_name, handed_back_text(agent_name)), {"event": "resume"}]
        )

    def _append(self, conversation_id: str, events: list[dict[str, Any]]) -> None:
        query = {"output_channel": OUTPUT_CHANNEL, "execute_side_effects": "true"}
        self._call("POST", conversation_id, "tracker/events", query, events)

    def _call(
        self,
        method: str,
        conversation_id: str,
        path: str,
        query: Mapping[str, str],
        body: Any = None,
    ) -> dict[str, Any]:
        if self.token is None:
            raise RasaUnavailable("Rasa's HTTP API is off: set BOT_API_TOKEN for both servers")
        quoted = urllib.parse.quote(conversation_id, safe="")
        params = urllib.parse.urlencode({**query, "token": self.token})
        request = urllib.request.Request(
            f"{self.url}/conversations/{quoted}/{path}?{params}",
            data=None if body is None else json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
            method=method,
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as answer:
                return dict(json.load(answer))
        except urllib.error.HTTPError as refused:
            raise RasaUnavailable(f"Rasa's API answered {refused.code}") from None
        except (urllib.error.URLError, OSError, ValueError) as problem:
            raise RasaUnavailable(f"Rasa's API did not answer ({type(problem).__name__})") from None


def _said(agent_name: str, text: str) -> dict[str, Any]:
    return {"event": "bot", "text": text, "metadata": {AGENT_KEY: agent_name}}
