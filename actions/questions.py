"""Answer a question about the error being fixed ("where do I do that?", "why?", ...)."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.advice import current_values, rich_text
from actions.desk import DeskAction
from bot.conversation.questions import QUESTION_KINDS, answer_question

#: Intent ``ask_<kind>`` asks question ``<kind>`` (data/nlu/questions.yml).
QUESTION_INTENTS = {f"ask_{kind}": kind for kind in QUESTION_KINDS}

# Stages in which a new error is still being found: a ``sync_error`` left from an earlier one
# is not what the customer is asking about.
_FINDING = {"diagnosing", "unsure", "confirm", "unplaced", "unplaced_again", "guided", "details"}


class ActionAnswerQuestion(DeskAction):
    """Answer from the knowledge base; the stage is left as it was, so the flow goes on."""

    def name(self) -> str:
        """Name the action as the domain does."""
        return "action_answer_question"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """Say the answer for the current error, or ask for the error message if none yet."""
        # The rules run this action only on the question intents.
        kind = QUESTION_INTENTS.get(str(tracker.get_intent_of_latest_message()), "why")
        stage = tracker.get_slot("stage")
        error_id = None if stage in _FINDING else tracker.get_slot("sync_error")
        text = answer_question(
            kind,
            error_id,
            current_values(tracker),
            # An error syncdesk doesn't know, with support offered ("shall I pass it on?").
            unknown_error=stage == "handover_offer",
            reference=_reference(tracker),
            links=rich_text(tracker),
            services=self.services,
        )
        dispatcher.utter_message(text=text)
        return []


def _reference(tracker: Tracker) -> str | None:
    """Return the ticket reference if the ticket is about the current error, else None."""
    # Tickets are per error: one opened before this error was explained is about another.
    for event in reversed(tracker.applied_events()):
        if event.get("event") == "slot" and event.get("name") in ("ticket_ref", "sync_error"):
            if event["name"] == "sync_error":
                return None
            break
    reference = tracker.get_slot("ticket_ref")
    return str(reference) if reference else None
