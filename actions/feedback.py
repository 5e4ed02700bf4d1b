"""Actions after "did that fix it?": celebrate, ask if it helped, store the answer."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.pending import after_error
from actions.records import keep
from bot.records import record_feedback, record_outcome


class ActionFixWorked(Action):
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
            keep(
                "outcome",
                lambda session: record_outcome(session, tracker.sender_id, error_id, "fixed"),
            )
        return [SlotSet("stage", "helpful")]


class ActionRecordFeedback(Action):
    """Store whether the fix for this error was helpful, then move on."""

    def name(self) -> str:
        """Name the action as the domain does."""
        return "action_record_feedback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """Record the answer against the error and the conversation."""
        helpful = (tracker.latest_message.get("intent") or {}).get("name") == "affirm"
        error_id = tracker.get_slot("sync_error")
        if error_id:
            keep(
                "feedback",
                lambda session: record_feedback(session, tracker.sender_id, error_id, helpful),
            )
        return after_error(tracker)
