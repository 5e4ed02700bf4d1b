"""Actions that work out which sync error the customer has: pasted, described, or picked."""

from __future__ import annotations

import asyncio
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.advice import current_values, customer_text, explain, rich_text
from actions.desk import STAGES, DeskAction
from actions.guided import NONE_OF_THESE, list_errors
from actions.nlu import interpretation
from actions.pending import explain_pending
from bot.advice import follow_up
from bot.diagnosis import Match
from bot.diagnosis.triage import Plan, triage
from bot.replies import (
    chat_fixes,
    confirm_question,
    contacts_message,
    found_several_message,
    log_plan_message,
)
from bot.services import Services
from bot.understanding import (
    CONFIRM,
    IDENTIFIED,
    RECORD_TYPE,
    UNKNOWN_ERROR,
    UNSURE,
    described_pending,
    passed_on_matches,
    pending_choice,
    understand,
)

#: Messages in a row the bot may fail to place before it brings in a person.
UNPLACED_LIMIT = 2


class ActionDiagnose(DeskAction):
    """Identify the error in the latest message and explain it, or say honestly that it can't."""

    def name(self) -> str:
        """Name the action as the domain does."""
        return "action_diagnose"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """Diagnose the message once, decide what it says, and answer accordingly."""
        parse = tracker.latest_message or {}
        text = customer_text(tracker)
        if not text.strip():
            return [SlotSet("stage", "empty")]
        services = self.services
        log = await pasted_log(services, text)
        if log is not None:
            return answer_log(services, dispatcher, tracker, log)

        matches = await matches_for(services, parse, text)
        entries = {e.id: e for e in services.knowledge().errors()}
        heard = interpretation(parse)
        understanding = understand(
            matches,
            heard,
            {e.id: e.record_type for e in entries.values()},
            picked=text.startswith("/"),
        )
        conversation = tracker.sender_id

        pending = list(tracker.get_slot("pending_errors") or [])
        asked = None if matches else described_pending(heard, pending, entries)
        if asked is not None:
            # A description of one of the errors still to go through from the same paste.
            how = "picked" if understanding.how == "picked" else "described"
            return explain_pending(services, dispatcher, tracker, pending, asked, how)

        if (
            understanding.kind == IDENTIFIED
            and understanding.error_id
            and understanding.error_id == tracker.get_slot("sync_error")
            and not understanding.others
            and dict(understanding.values) == current_values(tracker)
        ):
            # The same paste again: say so briefly instead of the whole explanation.
            entry = entries[understanding.error_id]
            dispatcher.utter_message(response="utter_same_again", title=entry.title)
            return [SlotSet("stage", STAGES[follow_up(entry)])]

        if understanding.kind == IDENTIFIED and understanding.error_id:
            found = [understanding.error_id, *(m.error_id for m in understanding.others)]
            how = {"exact": "pasted", "approximate": "pasted"}.get(
                str(understanding.how), str(understanding.how)
            )
            services.records.diagnoses(conversation, found, how)
            events: list[EventType] = [SlotSet("unplaced_count", 0)]
            if understanding.others:
                plan = found_several_message(
                    [entries[error_id] for error_id in found],
                    [dict(understanding.values), *(m.values for m in understanding.others)],
                )
                dispatcher.utter_message(text=plan)
            pending = [{"error_id": m.error_id, "values": m.values} for m in understanding.others]
            events.append(SlotSet("pending_errors", pending or None))
            return events + explain(
                services,
                dispatcher,
                tracker,
                understanding.error_id,
                dict(understanding.values),
                how=str(understanding.how),
            )

        if understanding.kind == CONFIRM and understanding.error_id:
            entry = entries[understanding.error_id]
            dispatcher.utter_message(
                response="utter_is_it_this_one",
                question=confirm_question(entry, understanding.values, understanding.how),
            )
            candidate = {
                "error_id": entry.id,
                "values": dict(understanding.values),
                "how": understanding.how,
            }
            return [SlotSet("candidate", candidate), SlotSet("stage", "confirm")]

        if understanding.kind == UNKNOWN_ERROR:
            # An error, but not one of the known ones: never guess a fix. The report shows
            # these to the support team as the gaps in the knowledge base.
            services.records.unknown(conversation, text)
            return say_unknown(services, dispatcher, tracker)

        if understanding.kind == UNSURE:
            buttons = [
                {"title": entries[g].short_title, "payload": f"/{g}"} for g in understanding.guesses
            ]
            dispatcher.utter_message(response="utter_unsure", buttons=[*buttons, NONE_OF_THESE])
            return [SlotSet("stage", "unsure")]

        if understanding.kind == RECORD_TYPE and understanding.record_type:
            return [SlotSet("record_type", understanding.record_type), SlotSet("stage", "guided")]

        unplaced = int(tracker.get_slot("unplaced_count") or 0) + 1
        if unplaced >= UNPLACED_LIMIT:
            return [SlotSet("unplaced_count", 0), SlotSet("stage", "unplaced_again")]
        return [SlotSet("unplaced_count", unplaced), SlotSet("stage", "unplaced")]


class ActionConfirmedError(DeskAction):
    """The customer confirmed the error syncdesk asked about: explain it."""

    def name(self) -> str:
        """Name the action as the domain does."""
        return "action_confirmed_error"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """Explain the candidate error with the values read from the customer's paste."""
        candidate = tracker.get_slot("candidate") or {}
        error_id = candidate.get("error_id")
        if not error_id:
            return [SlotSet("stage", "unplaced")]
        how = "described" if candidate.get("how") == "described" else "pasted"
        self.services.records.diagnoses(tracker.sender_id, [error_id], how)
        values = candidate.get("values") or {}
        return [
            SlotSet("candidate", None),
            SlotSet("unplaced_count", 0),
            SlotSet("pending_errors", None),
            *explain(self.services, dispatcher, tracker, error_id, values, how="confirmed"),
        ]


class ActionUnknownError(DeskAction):
    """The error is not one syncdesk knows: say so, give the contacts, offer the handover."""

    def name(self) -> str:
        """Name the action as the domain does."""
        return "action_unknown_error"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """Offer the other errors of a described kind of record, or say it isn't one we know."""
        candidate = tracker.get_slot("candidate") or {}
        if candidate.get("how") == "described":
            # Not the error their words suggested: the errors of that kind of record, to pick.
            kind = self.services.knowledge().error(candidate["error_id"]).record_type
            if list_errors(self.services, dispatcher, kind):
                return [
                    SlotSet("candidate", None),
                    SlotSet("record_type", kind),
                    SlotSet("stage", "guided"),
                ]
        return [SlotSet("candidate", None), *say_unknown(self.services, dispatcher, tracker)]


def say_unknown(
    services: Services, dispatcher: CollectingDispatcher, tracker: Tracker
) -> list[EventType]:
    """Tell the customer the error isn't one syncdesk knows, with the contacts straight away."""
    contacts = services.knowledge().contacts()
    dispatcher.utter_message(
        response="utter_not_one_i_know",
        contacts=contacts_message(contacts, links=rich_text(tracker)),
    )
    return [SlotSet("sync_error", None), SlotSet("stage", "handover_offer")]


async def pasted_log(services: Services, text: str) -> Plan | None:
    """Return the plan for a pasted sync log; None for a message (one failure, no log lines).

    A log is read off the event loop: it may hold thousands of lines.
    """
    if "\n" not in text.strip():
        return None

    def read() -> Plan:
        return triage(text, services.knowledge().errors(), services.diagnoser())

    plan = await asyncio.to_thread(read)
    several = plan.failures > 1 or bool(plan.unknown) or plan.ok_lines > 0
    return plan if plan.log_entries > 1 and several else None


def answer_log(
    services: Services, dispatcher: CollectingDispatcher, tracker: Tracker, plan: Plan
) -> list[EventType]:
    """Answer a pasted log: failures the guide doesn't know first, then the fixes in order.

    Only the failures go to the report; lines reporting success or information never do.
    """
    conversation = tracker.sender_id
    services.records.diagnoses(conversation, (item.error_id for item in plan.items), "pasted")
    if plan.unknown:
        services.records.unknown(conversation, "\n".join(f.text for f in plan.unknown))
    dispatcher.utter_message(text=log_plan_message(plan))
    if not plan.items:
        if plan.unknown:
            return say_unknown(services, dispatcher, tracker)
        return [SlotSet("sync_error", None), SlotSet("stage", "done")]
    first, *rest = chat_fixes(plan)  # a long log: its first fixes; what is left, later
    pending = [{"error_id": item.error_id, "values": item.shared_values} for item in rest]
    return [
        SlotSet("unplaced_count", 0),
        SlotSet("pending_errors", pending or None),
        *explain(services, dispatcher, tracker, first.error_id, first.shared_values),
    ]


class ActionNextError(DeskAction):
    """Go on to the next error found in the same paste."""

    def name(self) -> str:
        """Name the action as the domain does."""
        return "action_next_error"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """Explain the pending error the customer asks about (or the next); keep the rest."""
        pending = list(tracker.get_slot("pending_errors") or [])
        record_types = {e.id: e.record_type for e in self.services.knowledge().errors()}
        chosen = pending_choice(
            customer_text(tracker), interpretation(tracker.latest_message), pending, record_types
        )
        if chosen is None:
            if tracker.get_slot("sync_error"):
                dispatcher.utter_message(response="utter_only_error")
            return [SlotSet("stage", "done")]
        return explain_pending(self.services, dispatcher, tracker, pending, chosen)


async def matches_for(services: Services, parse: dict[str, Any], text: str) -> list[Match]:
    """Return the engine's matches for the message: the NLU's, or diagnosed here, off the loop.

    The NLU component diagnoses messages up to its size limit and passes its matches on, so a
    message is diagnosed once. A longer paste is diagnosed here, in a worker thread, so it
    never holds up the action server's other conversations.
    """
    passed_on = passed_on_matches(parse)
    if passed_on is not None:
        return passed_on
    return await asyncio.to_thread(services.diagnose, text)
