"""Shared by the actions that explain an error: slots for values, and the advice itself."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.desk import STAGES
from bot.advice import advise, follow_up
from bot.kb.source import PLACEHOLDERS
from bot.replies import advice_messages
from bot.services import Services

__all__ = ["current_values", "customer_text", "explain", "rich_text", "value_events"]

def rich_text(tracker: Tracker) -> bool:
    """Whether the customer's channel renders links (the web chat does; the shell doesn't)."""
    return tracker.get_latest_input_channel() not in (None, "cmdline")


def customer_text(tracker: Tracker) -> str:
    """Return the customer's latest message exactly as sent (the NLU may see it shortened)."""
    event = tracker.get_last_event_for("user")
    if event is not None:
        return str(event.get("text") or "")
    return str((tracker.latest_message or {}).get("text") or "")


def current_values(tracker: Tracker) -> dict[str, str]:
    """Return the values (invoice number, codes, ...) held in slots for the current error."""
    values = {}
    for name in PLACEHOLDERS:
        value = tracker.get_slot(name)
        if value:
            values[name] = str(value)
    return values


def value_events(values: Mapping[str, Any]) -> list[EventType]:
    """Set every value slot: to the new value, or empty so nothing stale is carried over."""
    return [SlotSet(name, values.get(name) or None) for name in PLACEHOLDERS]


def explain(
    services: Services,
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    error_id: str,
    values: Mapping[str, str],
    *,
    how: str = "exact",
) -> list[EventType]:
    """Explain one error with the customer's values and give its fix steps; set the stage.

    ``how`` the error was identified ("exact", "approximate", "described", "picked",
    "confirmed" or "next") chooses the opening words (bot.replies.OPENINGS).
    """
    knowledge = services.knowledge()
    entry = knowledge.error(error_id)
    advice = advise(entry, values, knowledge.actors())
    for text in advice_messages(advice, links=rich_text(tracker), how=how):
        dispatcher.utter_message(text=text)
    # The stage decides what the dialogue says next: "did that fix it?", the handover, or done.
    stage = STAGES[follow_up(entry)]
    return [SlotSet("sync_error", error_id), *value_events(values), SlotSet("stage", stage)]
