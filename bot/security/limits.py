"""How much one client and one conversation may send, and how many tickets they may open.

Counts are kept in memory by their owner (a Rasa server's channel for messages, the action
server's services for tickets): behind several Rasa servers each enforces its own share, which
still bounds a flood.
"""

from __future__ import annotations

import json
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass

from bot.security.config import SecuritySettings

__all__ = [
    "MessageGate",
    "Refusal",
    "SlidingWindow",
    "TicketAllowance",
    "payload_values_too_long",
]

RATE_REPLY = (
    "You're sending messages faster than I can answer them. Please wait a minute, then send "
    "your message again."
)
TOO_LONG_REPLY = (
    "That message is too long for me to read ({length:,} characters; at most {limit:,}). "
    "Please paste just the error message, or the lines of the sync log around it."
)
VALUE_TOO_LONG_REPLY = (
    "A value in that message is too long (at most {limit} characters). Please check it and "
    "send it again."
)
TICKET_LIMIT_REPLY = (
    "Joblogic support already has {count} tickets from {whom}, so I haven't opened another. "
    "Please contact them directly, quoting your earlier reference:"
)

Clock = Callable[[], float]


@dataclass(frozen=True)
class Refusal:
    """Why a message or ticket was refused: an HTTP status and a reply the customer can act on."""

    status: int
    reply: str


class SlidingWindow:
    """At most ``limit`` events per key in any ``seconds``; remembers at most ``keys`` keys."""

    def __init__(
        self, limit: int, seconds: float, *, keys: int = 100_000, clock: Clock = time.monotonic
    ) -> None:
        """Count events per key in a window of ``seconds``."""
        self.limit, self.seconds, self.keys, self.clock = limit, seconds, keys, clock
        self._events: OrderedDict[str, deque[float]] = OrderedDict()

    def _recent(self, key: str) -> deque[float]:
        now = self.clock()
        events = self._events.get(key)
        if events is None:
            events = self._events[key] = deque()
            while len(self._events) > self.keys:  # forget the longest-idle keys first
                self._events.popitem(last=False)
        self._events.move_to_end(key)
        while events and events[0] <= now - self.seconds:
            events.popleft()
        return events

    def count(self, key: str) -> int:
        """Return how many events ``key`` had in the window."""
        return len(self._recent(key))

    def allow(self, key: str) -> bool:
        """Record an event for ``key`` if the limit allows it; return whether it did."""
        events = self._recent(key)
        if len(events) >= self.limit:
            return False
        events.append(self.clock())
        return True

    def record(self, key: str) -> None:
        """Record an event for ``key`` whatever the count."""
        self._recent(key).append(self.clock())


def payload_values_too_long(text: str, longest: int) -> bool:
    """Whether a button payload ``/intent{"name": value}`` has a value over ``longest`` chars."""
    if not text.startswith("/") or "{" not in text:
        return False
    try:
        entities = json.loads(text[text.index("{") :])
    except ValueError:
        return False  # Rasa reads no entities from it either
    if not isinstance(entities, dict):
        return False
    return any(
        len(value if isinstance(value, str) else json.dumps(value)) > longest
        for value in entities.values()
    )


class MessageGate:
    """The checks a channel makes before Rasa sees a message: size, values, rate."""

    def __init__(self, settings: SecuritySettings, *, clock: Clock = time.monotonic) -> None:
        """Count messages against ``settings``' limits."""
        self.settings = settings
        self.per_client = SlidingWindow(settings.messages_per_minute_client, 60, clock=clock)
        self.per_conversation = SlidingWindow(
            settings.messages_per_minute_conversation, 60, clock=clock
        )

    def check(self, text: object, conversation_id: str, address: str | None) -> Refusal | None:
        """Return why this message is refused, or None to let it through (and count it)."""
        message = text if isinstance(text, str) else ""
        limit = self.settings.max_message_chars
        if len(message) > limit:
            return Refusal(413, TOO_LONG_REPLY.format(length=len(message), limit=limit))
        if payload_values_too_long(message, self.settings.max_value_chars):
            return Refusal(413, VALUE_TOO_LONG_REPLY.format(limit=self.settings.max_value_chars))
        if address is not None and not self.settings.is_unlimited(address):
            if not self.per_client.allow(address):
                return Refusal(429, RATE_REPLY)
        if not self.per_conversation.allow(conversation_id):
            return Refusal(429, RATE_REPLY)
        return None


class TicketAllowance:
    """How many new tickets a conversation (ever) and a client (per hour) may open."""

    def __init__(self, settings: SecuritySettings, *, clock: Clock = time.monotonic) -> None:
        """Count new tickets against ``settings``' limits."""
        self.settings = settings
        self.per_conversation = SlidingWindow(
            settings.tickets_per_conversation, float("inf"), clock=clock
        )
        self.per_client = SlidingWindow(settings.tickets_per_client_hour, 3600, clock=clock)

    def refusal(self, conversation_id: str, client: str | None) -> Refusal | None:
        """Return why no new ticket may be opened now, or None if one may."""
        count = self.per_conversation.count(conversation_id)
        if count >= self.settings.tickets_per_conversation:
            return Refusal(429, TICKET_LIMIT_REPLY.format(count=count, whom="this conversation"))
        if client is not None:
            count = self.per_client.count(client)
            if count >= self.settings.tickets_per_client_hour:
                return Refusal(429, TICKET_LIMIT_REPLY.format(count=count, whom="this address"))
        return None

    def opened(self, conversation_id: str, client: str | None) -> None:
        """Count a new ticket."""
        self.per_conversation.record(conversation_id)
        if client is not None:
            self.per_client.record(client)

