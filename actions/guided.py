"""The guided path for customers without the error message: kind of record, then the error."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from bot.kb import knowledge_base
from bot.replies import ASK_RECORD_TYPE, ASK_WHICH_ERROR


class ActionAskRecordType(Action):
    """Ask which kind of record failed to sync, with a button for each."""

    def name(self) -> str:
        """Name the action as the domain does."""
        return "action_ask_record_type"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """Offer the record types the knowledge base knows."""
        with knowledge_base() as kb:
            record_types = kb.record_types()
        buttons = [
            {"title": r.label, "payload": f'/choose_record_type{{"record_type":"{r.id}"}}'}
            for r in record_types
        ]
        dispatcher.utter_message(text=ASK_RECORD_TYPE, buttons=buttons)
        return []


class ActionListErrors(Action):
    """List the errors that affect the chosen kind of record, as buttons."""

    def name(self) -> str:
        """Name the action as the domain does."""
        return "action_list_errors"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """Offer that record type's errors by short title, plus "None of these"."""
        chosen = tracker.get_slot("record_type")
        with knowledge_base() as kb:
            labels = {r.id: r.label for r in kb.record_types()}
            errors = kb.errors_for(chosen) if chosen in labels else []
        if not errors:
            return await ActionAskRecordType().run(dispatcher, tracker, domain)
        buttons = [{"title": e.short_title, "payload": f"/{e.id}"} for e in errors]
        buttons.append({"title": "None of these", "payload": "/none_of_these"})
        text = ASK_WHICH_ERROR.format(record_type=labels[chosen].lower())
        dispatcher.utter_message(text=text, buttons=buttons)
        return []
