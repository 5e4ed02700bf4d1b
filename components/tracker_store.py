"""Rasa's in-memory tracker store, with what each turn carries kept small however long the chat.

Rasa reads the conversation back from the store on every turn, its policies go through every
event of the session several times, and it posts the whole tracker to the action server on
every custom action: a turn costs more with every event before it (turn 60 of one conversation
took 2.4 times turn 1), and a megabyte sync log pasted once would be carried, serialised and
parsed again on every later turn. This store saves a conversation so that neither happens:

- A customer message longer than ``max_chars`` keeps its start and end, with a note of how much
  was left out. The turn that receives it still has all of it (the action diagnoses the whole
  log); later turns never read an earlier message in full (tickets quote at most the first
  1,000 characters of each, bot/handover.py).
- Only the current session is kept (Rasa reads no other on a turn), so a turn replays it once.
- A session longer than ``max_events + slack`` events starts again, in Rasa's own terms, at a
  turn ``max_events`` events back: ``action_session_start``, ``session_started``, every slot as
  it stood there, ``action_listen``, then those turns unchanged. The policies (rules and
  memoization, 4 turns of history) read far less than that, slots keep everything else, and a
  ticket's transcript still has the last five or six turns. An active form is never cut through.
"""

from __future__ import annotations

import json
from typing import Any

from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.constants import ACTION_LISTEN_NAME, ACTION_SESSION_START_NAME
from rasa.shared.core.events import ActionExecuted, SessionStarted, SlotSet
from rasa.shared.core.trackers import DialogueStateTracker

from bot.understanding import DIAGNOSIS

__all__ = ["BoundedInMemoryTrackerStore", "shorten"]

#: Characters of a customer's message a saved conversation keeps (its start and its end).
MAX_CHARS = 4000
#: Events of a session kept when it is cut, and how many more it may grow by before that.
MAX_EVENTS = 60
SLACK = 30


def shorten(text: str, max_chars: int) -> str:
    """Return ``text`` cut to its first and last ``max_chars // 2`` characters, saying so."""
    if len(text) <= max_chars:
        return text
    half = max_chars // 2
    left_out = len(text) - 2 * half
    return f"{text[:half]}\n[… {left_out:,} characters left out …]\n{text[-half:]}"


class BoundedInMemoryTrackerStore(InMemoryTrackerStore):
    """Keep conversations in memory, bounded in events and in the length of each message."""

    def __init__(
        self,
        *args: Any,
        max_chars: int = MAX_CHARS,
        max_events: int = MAX_EVENTS,
        slack: int = SLACK,
        **kwargs: Any,
    ) -> None:
        """Store as Rasa's in-memory store does, bounded on save."""
        super().__init__(*args, **kwargs)
        self.max_chars = int(max_chars)
        self.max_events = int(max_events)
        self.slack = int(slack)

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Save the conversation, long messages shortened and a long session cut."""
        await self.stream_events(tracker)
        dialogue = tracker.as_dialogue().as_dict()
        events = dialogue.get("events") or []
        for event in events:
            self._shorten_message(event)
        dialogue["events"] = self._cut(tracker.sender_id, events)
        self.store[tracker.sender_id] = json.dumps(dialogue)

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        """Return the conversation's current session (the only one saved), replayed once."""
        stored = self.store.get(sender_id)
        return None if stored is None else self.deserialise_tracker(sender_id, stored)

    async def retrieve_full_tracker(self, sender_id: str) -> DialogueStateTracker | None:
        """Return the conversation as saved: its current session."""
        return await self.retrieve(sender_id)

    def _shorten_message(self, event: dict[str, Any]) -> None:
        text = event.get("text")
        if event.get("event") != "user" or not isinstance(text, str):
            return
        if len(text) <= self.max_chars:
            return
        event["text"] = shorten(text, self.max_chars)
        parse_data = event.get("parse_data")
        if isinstance(parse_data, dict):
            if isinstance(parse_data.get("text"), str):
                parse_data["text"] = shorten(parse_data["text"], self.max_chars)
            if isinstance(parse_data.get(DIAGNOSIS), dict):
                # Matches found in the whole text; the action used them on its turn.
                parse_data[DIAGNOSIS] = {"complete": False, "matches": []}

    def _cut(self, sender_id: str, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Return the events to keep: the current session; a long one starts again later."""
        session = _last_session_start(events)
        if len(events) - session <= self.max_events + self.slack:
            return events[session:]
        cut = _turn_start(events, len(events) - self.max_events)
        if cut is None or cut <= session:
            return events[session:]
        before = DialogueStateTracker.from_dict(
            sender_id, events[session:cut], self.domain.slots if self.domain else None
        )
        if before.active_loop is not None or before.is_paused():
            return events[session:]  # a form or a paused conversation is never cut through
        when = float(events[cut - 1].get("timestamp") or 0.0)
        start = [
            ActionExecuted(ACTION_SESSION_START_NAME, timestamp=when),
            SessionStarted(timestamp=when),
            *(
                SlotSet(slot.name, slot.value, timestamp=when)
                for slot in before.slots.values()
                if slot.value != slot.initial_value
            ),
            ActionExecuted(ACTION_LISTEN_NAME, timestamp=when),
        ]
        return [event.as_dict() for event in start] + events[cut:]


def _last_session_start(events: list[dict[str, Any]]) -> int:
    """Return the index of the session's ``action_session_start`` (0 if there is none)."""
    for index in range(len(events) - 1, -1, -1):
        event = events[index]
        if event.get("event") == "action" and event.get("name") == ACTION_SESSION_START_NAME:
            return index
    return 0


def _turn_start(events: list[dict[str, Any]], at_least: int) -> int | None:
    """Return the first customer message at or after ``at_least`` that follows a listen."""
    for index in range(max(at_least, 1), len(events)):
        event, previous = events[index], events[index - 1]
        if (
            event.get("event") == "user"
            and previous.get("event") == "action"
            and previous.get("name") == ACTION_LISTEN_NAME
        ):
            return index
    return None
