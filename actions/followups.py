"""Corrections: a value the customer misread ("INV-88 not INV-8"), or the error itself."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.advice import current_values, explain
from actions.desk import DeskAction
from actions.nlu import interpretation
from actions.pending import explain_pending
from bot.replies import value_summary
from bot.understanding import corrected_values, named_record_types, pending_of_kind, twin_on


class ActionCorrect(DeskAction):
    """Take the customer's correction and explain the error again with it."""

    def name(self) -> str:
        """Name the action as the domain does."""
        return "action_correct"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """Correct a value, or move to the error of the kind of record the customer named."""
        heard = interpretation(tracker.latest_message)
        error_id = tracker.get_slot("sync_error")
        current = current_values(tracker)
        knowledge = self.services.knowledge()
        record_types = {e.id: e.record_type for e in knowledge.errors()}
        known_kinds = {r.id for r in knowledge.record_types()}

        changed = corrected_values(heard, current)
        if error_id and changed:
            dispatcher.utter_message(response="utter_corrected", values=value_summary(changed))
            return explain(self.services, dispatcher, tracker, error_id, {**current, **changed})

        # "No, it's the payment one": the error of that kind from the same paste, the same
        # failure on that kind of record (the error explained, or the one just asked about),
        # or that kind's list.
        candidate = tracker.get_slot("candidate") or {}
        about = error_id or candidate.get("error_id")
        current_kind = record_types.get(str(about))
        for kind in named_record_types(heard, known_kinds):
            if kind == current_kind:
                continue
            pending = list(tracker.get_slot("pending_errors") or [])
            index = pending_of_kind(pending, [kind], record_types)
            if index is not None:
                return explain_pending(
                    self.services, dispatcher, tracker, pending, index, how="exact"
                )
            twin = twin_on(knowledge.errors(), about, kind)
            if twin is not None:
                values = current if error_id else dict(candidate.get("values") or {})
                return [
                    SlotSet("candidate", None),
                    *explain(self.services, dispatcher, tracker, twin, values, how="picked"),
                ]
            return [SlotSet("record_type", kind), SlotSet("stage", "guided")]

        dispatcher.utter_message(response="utter_nothing_to_correct")
        return [SlotSet("stage", "details")]
