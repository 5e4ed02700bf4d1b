"""The guided path for customers without the error message: kind of record, then the error.

When the customer has already named the kind of record ("my payments aren't syncing"), the
guided path starts at that kind's errors instead of asking again.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.desk import DeskAction
from actions.nlu import interpretation
from bot.services import Services
from bot.understanding import mentioned_record_type

#: The last button of every list of errors offered. It stays here, not in the responses, because
#: Rasa puts a response's own buttons before the ones an action adds.
NONE_OF_THESE = {"title": "None of these", "payload": "/none_of_these"}


class ActionAskErrorDetails(DeskAction):
    """Ask for the error message, or, for a named kind of record, go to its errors."""

    def name(self) -> str:
        """Name the action as the domain does."""
        return "action_ask_error_details"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """Go to the named kind's errors, or ask for the message in the customer's words."""
        named = _named_record_type(self.services, tracker)
        if named is None:
            return [SlotSet("stage", "details")]
        return [SlotSet("record_type", named), SlotSet("stage", "guided")]


class ActionAskRecordType(DeskAction):
    """Ask which kind of record failed to sync, unless the customer already said."""

    def name(self) -> str:
        """Name the action as the domain does."""
        return "action_ask_record_type"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """Offer the named kind's errors, or a button for each kind of record."""
        named = _named_record_type(self.services, tracker)
        if named is not None and list_errors(self.services, dispatcher, named):
            return [SlotSet("record_type", named)]
        ask_record_type(self.services, dispatcher)
        return []


class ActionListErrors(DeskAction):
    """List the errors that affect the chosen kind of record, as buttons."""

    def name(self) -> str:
        """Name the action as the domain does."""
        return "action_list_errors"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """Offer that record type's errors by short title, plus "None of these"."""
        chosen = tracker.get_slot("record_type")
        if not list_errors(self.services, dispatcher, str(chosen or "")):
            ask_record_type(self.services, dispatcher)
        return []


def list_errors(services: Services, dispatcher: CollectingDispatcher, record_type: str) -> bool:
    """Offer ``record_type``'s errors as buttons; False if it has none (or isn't known)."""
    knowledge = services.knowledge()
    labels = {r.id: r.label for r in knowledge.record_types()}
    errors = knowledge.errors_for(record_type) if record_type in labels else []
    if not errors:
        return False
    buttons = [{"title": e.short_title, "payload": f"/{e.id}"} for e in errors]
    dispatcher.utter_message(
        response="utter_ask_which_error",
        records=labels[record_type].lower(),
        buttons=[*buttons, NONE_OF_THESE],
    )
    return True


def ask_record_type(services: Services, dispatcher: CollectingDispatcher) -> None:
    """Ask which kind of record failed, with a button for each kind the KB knows."""
    record_types = services.knowledge().record_types()
    buttons = [
        {"title": r.label, "payload": f'/choose_record_type{{"record_type":"{r.id}"}}'}
        for r in record_types
    ]
    dispatcher.utter_message(response="utter_ask_record_type", buttons=buttons)


def _named_record_type(services: Services, tracker: Tracker) -> str | None:
    known = {r.id for r in services.knowledge().record_types()}
    return mentioned_record_type(interpretation(tracker.latest_message), known)
