"""Build trackers and run actions without a server."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher


def make_tracker(
    text: str = "",
    intent: str | None = None,
    confidence: float = 1.0,
    ranking: list[dict[str, Any]] | None = None,
    entities: list[dict[str, Any]] | None = None,
    slots: dict[str, Any] | None = None,
    channel: str = "socketio",
    events: list[dict[str, Any]] | None = None,
    metadata: dict[str, Any] | None = None,
    sender_id: str = "conv-1",
) -> Tracker:
    """Return a tracker whose latest message is ``text`` with the given NLU result."""
    latest = {
        "text": text,
        "intent": {"name": intent, "confidence": confidence},
        "intent_ranking": ranking
        if ranking is not None
        else [{"name": intent, "confidence": confidence}],
        "entities": entities or [],
        "metadata": metadata or {},
    }
    user_event = {
        "event": "user",
        "text": text,
        "parse_data": latest,
        "input_channel": channel,
        "metadata": metadata or {},
    }
    return Tracker.from_dict(
        {
            "sender_id": sender_id,
            "slots": slots or {},
            "latest_message": latest,
            "events": [*(events or []), user_event],
            "paused": False,
            "followup_action": None,
            "active_loop": {},
            "latest_action_name": "action_listen",
        }
    )


@pytest.fixture
def run():
    """Run an action; return (messages, events)."""

    def run_action(
        action: Action, tracker: Tracker
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        dispatcher = CollectingDispatcher()
        events = asyncio.run(action.run(dispatcher, tracker, {}))
        return dispatcher.messages, events

    return run_action


def slots_set(events: list[dict[str, Any]]) -> dict[str, Any]:
    """The slot values the events set, last one winning."""
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def texts(messages: list[dict[str, Any]]) -> str:
    """All text the bot sent, joined."""
    return "\n".join(m.get("text") or "" for m in messages)
