"""The other errors of a paste: explaining one of them, and what comes once one is dealt with."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.advice import explain
from bot.services import Services


def explain_pending(
    services: Services,
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    pending: Sequence[Mapping[str, Any]],
    index: int,
    how: str = "next",
) -> list[EventType]:
    """Explain pending error ``index`` with its values; keep the others pending."""
    chosen = pending[index]
    rest = [item for number, item in enumerate(pending) if number != index]
    values = chosen.get("values") or {}
    return [
        SlotSet("pending_errors", rest or None),
        *explain(services, dispatcher, tracker, chosen["error_id"], values, how=how),
    ]


def after_error(tracker: Tracker) -> list[EventType]:
    """Set the stage once an error is dealt with: the next one from the paste, or done."""
    return [SlotSet("stage", "next_offer" if tracker.get_slot("pending_errors") else "done")]
