"""Actions that work out which sync error the customer has: pasted, described, or picked."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.orm import Session

import bot
from actions.advice import customer_text, explain
from actions.records import keep
from bot.kb import knowledge_base
from bot.kb.source import PLACEHOLDERS
from bot.records import record_diagnosis
from bot.replies import UNSURE, found_several_message
from bot.understanding import read_ranking

#: Messages in a row the bot may fail to place before it brings in a person.
UNPLACED_LIMIT = 2


class ActionDiagnose(Action):
    """Identify the error in the latest message and explain it, or say honestly that it can't."""

    def name(self) -> str:
        """Name the action as the domain does."""
        return "action_diagnose"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """Diagnose a paste exactly; otherwise read the NLU's guess at a description."""
        message = tracker.latest_message or {}
        text = customer_text(tracker)
        if not text.strip():
            return [SlotSet("stage", "empty")]

        matches = bot.diagnose(text)
        conversation = tracker.sender_id
        if matches:

            def write(session: Session) -> None:
                for match in matches:
                    record_diagnosis(session, conversation, match.error_id, "pasted")

            keep("diagnosis", write)
            first, rest = matches[0], matches[1:]
            events: list[EventType] = [SlotSet("unplaced_count", 0)]
            if rest:
                with knowledge_base() as kb:
                    found = [kb.error(m.error_id) for m in matches]
                plan = found_several_message(found, [m.values for m in matches])
                dispatcher.utter_message(text=plan)
            events.append(
                SlotSet(
                    "pending_errors",
                    [{"error_id": m.error_id, "values": m.values} for m in rest] or None,
                )
            )
            return events + explain(dispatcher, tracker, first.error_id, first.values)

        intent = (message.get("intent") or {}).get("name")
        if intent == "paste_error":
            # An error message, but not one of the known ones: never guess a fix. The report
            # shows these to the support team as the gaps in the knowledge base.
            keep(
                "unknown error",
                lambda session: record_diagnosis(session, conversation, None, "unknown", text),
            )
            return [SlotSet("sync_error", None), SlotSet("stage", "handover_offer")]

        with knowledge_base() as kb:
            entries = {e.id: e for e in kb.errors()}
        reading = read_ranking(message.get("intent_ranking") or [], entries)
        if reading.kind == "identified" and reading.error_id:
            values = _entity_values(message)
            how = "picked" if text.startswith("/") else "described"
            error_id = reading.error_id
            keep(
                "diagnosis",
                lambda session: record_diagnosis(session, conversation, error_id, how),
            )
            return [
                SlotSet("unplaced_count", 0),
                SlotSet("pending_errors", None),
                *explain(dispatcher, tracker, reading.error_id, values),
            ]
        if reading.kind == "unsure":
            buttons = [
                {"title": entries[g].short_title, "payload": f"/{g}"} for g in reading.guesses
            ]
            buttons.append({"title": "None of these", "payload": "/none_of_these"})
            dispatcher.utter_message(text=UNSURE, buttons=buttons)
            return [SlotSet("stage", "unsure")]

        unplaced = int(tracker.get_slot("unplaced_count") or 0) + 1
        if unplaced >= UNPLACED_LIMIT:
            return [SlotSet("unplaced_count", 0), SlotSet("stage", "unplaced_again")]
        return [SlotSet("unplaced_count", unplaced), SlotSet("stage", "unplaced")]


class ActionNextError(Action):
    """Go on to the next error found in the same paste."""

    def name(self) -> str:
        """Name the action as the domain does."""
        return "action_next_error"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """Explain the first pending error and keep the rest pending."""
        pending = list(tracker.get_slot("pending_errors") or [])
        if not pending:
            return [SlotSet("stage", "done")]
        following, rest = pending[0], pending[1:]
        return [
            SlotSet("pending_errors", rest or None),
            *explain(dispatcher, tracker, following["error_id"], following.get("values") or {}),
        ]


def _entity_values(message: dict[str, Any]) -> dict[str, str]:
    """Take invoice numbers, codes and amounts the customer mentioned (first of each)."""
    values: dict[str, str] = {}
    for entity in message.get("entities") or []:
        name = entity.get("entity")
        if name in PLACEHOLDERS and name not in values and entity.get("value"):
            values[name] = str(entity["value"])
    return values
