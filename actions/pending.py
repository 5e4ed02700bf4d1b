"""What comes once one error is dealt with: the next one from the same paste, or the end."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet


def after_error(tracker: Tracker) -> list[EventType]:
    """Set the stage once an error is dealt with: the next one from the paste, or done."""
    return [SlotSet("stage", "next_offer" if tracker.get_slot("pending_errors") else "done")]
