"""Build trackers and run actions without a server; render their messages as Rasa does."""

from __future__ import annotations

import asyncio
import copy
from functools import cache
from typing import Any

import pytest
from rasa.core.actions.action import RemoteAction
from rasa.core.channels.channel import CollectingOutputChannel
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.settings import PROJECT_ROOT


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


@cache
def project_domain() -> Domain:
    """The project's domain, as `rasa train --domain domain` reads it."""
    return Domain.load(PROJECT_ROOT / "domain")


def render(
    messages: list[dict[str, Any]], tracker: Tracker, domain: Domain | None = None
) -> list[dict[str, Any]]:
    """Return what the customer sees of an action's messages: Rasa fills each ``response``.

    Rasa's own code does it, as the Rasa server does with the action server's answer: the
    response from the domain, its ``{placeholders}`` from the values the action passed and the
    slots, the action's buttons after the response's own.
    """
    domain = domain or project_domain()
    rasa_tracker = DialogueStateTracker(tracker.sender_id, domain.slots)
    for name, value in tracker.slots.items():
        if name in rasa_tracker.slots:
            rasa_tracker.slots[name].value = value
    uttered = asyncio.run(
        RemoteAction._utter_responses(
            copy.deepcopy(messages),
            CollectingOutputChannel(),
            TemplatedNaturalLanguageGenerator(domain.responses),
            rasa_tracker,
        )
    )
    return [
        {"text": event.text, **{k: v for k, v in event.data.items() if v}, **event.metadata}
        for event in uttered
    ]


@pytest.fixture
def run():
    """Run an action; return (messages as the customer sees them, events)."""

    def run_action(
        action: Action, tracker: Tracker
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        dispatcher = CollectingDispatcher()
        events = asyncio.run(action.run(dispatcher, tracker, {}))
        return render(dispatcher.messages, tracker), events

    return run_action


def slots_set(events: list[dict[str, Any]]) -> dict[str, Any]:
    """The slot values the events set, last one winning."""
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def texts(messages: list[dict[str, Any]]) -> str:
    """All text the bot sent, joined."""
    return "\n".join(m.get("text") or "" for m in messages)
