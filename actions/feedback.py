"""Actions after "did that fix it?": celebrate, ask if it helped, store the answer."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.desk import DeskAction
from actions.pending import after_error


class ActionFixWorked(DeskAction):
    """The fix worked: next comes "was this helpful?"."""

    def name(self) -> str:
        """Name the action as the domain does."""
        return "action_fix_worked"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """Record that the fix worked and move on to "was this helpful?"."""
        error_id = tracker.get_slot("sync_error")
        if error_id:
            self.services.records.fixed(tracker.sender_id, error_id)
        return [SlotSet("stage", "helpful")]


class ActionRecordFeedback(DeskAction):
    """Store whether the fix for this error was helpful, then move on."""

    def name(self) -> str:
        """Name the action as the domain does."""
        return "action_record_feedback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """Record the answer against the error and the conversation."""
        helpful = tracker.get_intent_of_latest_message() == "affirm"
        error_id = tracker.get_slot("sync_error")
        if error_id:
            self.services.records.feedback(tracker.sender_id, error_id, helpful)
        return after_error(tracker)
