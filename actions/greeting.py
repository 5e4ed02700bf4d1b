"""Greet the customer, by name when the in-app widget tells us who they are."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.handover import customer_context
from bot.handover import clean_customer


class ActionGreet(Action):
    """Remember the customer's first name for the greeting, when the widget passed one."""

    def name(self) -> str:
        """Name the action as the domain does."""
        return "action_greet"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """Set ``customer_first_name`` (display only, never trusted); the greeting follows."""
        name = clean_customer(customer_context(tracker)).get("user_name", "").strip()
        return [SlotSet("customer_first_name", name.split()[0] if name else None)]
