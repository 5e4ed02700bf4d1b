"""Hand the conversation to Joblogic support: reference, contacts, pre-filled email."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.advice import current_values, rich_text
from actions.desk import DeskAction
from actions.pending import after_error
from bot.console.desk import AGENT_ONLINE, someone_can_join
from bot.handover import (
    HandoverRequest,
    Ticket,
    customer_message,
    email_body,
    email_subject,
)
from bot.replies import contacts_message, support_reach
from bot.security import client_of_events, customer_from_events
from bot.services import Services

#: The customer's answer to "what's it about?" when they asked for a person first thing
#: (domain/handover.yml, data/rules/handover_request.yml).
TOPIC_SLOT = "handover_topic"


class ActionHandover(DeskAction):
    """Open (or find) the ticket for this conversation and error, and give the contacts."""

    def name(self) -> str:
        """Name the action as the domain does."""
        return "action_handover"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """Tell the customer what happens next, their reference, and how to reach people.

        A handover asked for again (same conversation, same error) finds the same ticket and
        says so in one message, with the same reference and the contacts.
        """
        error_id = tracker.get_slot("sync_error")
        values = current_values(tracker)
        facts = self.services.handover_facts(error_id, values)
        entry, contacts, steps = facts.entry, facts.contacts, facts.steps
        topic = None if error_id else tracker.get_slot(TOPIC_SLOT)
        # Tickets per conversation and per client address (bot/security/limits.py).
        allowance = self.services.ticket_allowance
        client = client_of_events(tracker.applied_events())
        refusal = allowance.refusal(tracker.sender_id, client)
        if refusal is not None:
            reach = contacts_message(contacts, links=rich_text(tracker))
            dispatcher.utter_message(text=f"{refusal.reply}\n\n{reach}")
            return list(after_error(tracker))
        ticket = _open_ticket(self.services, tracker, error_id, values, steps, topic)
        if ticket is not None and ticket.new:
            allowance.opened(tracker.sender_id, client)
        reference = ticket.reference if ticket else None
        title = entry.title if entry else None
        if ticket is not None and not ticket.new:
            reach = support_reach(
                contacts,
                links=rich_text(tracker),
                subject=email_subject(reference, title),
                body=email_body(reference, title, None, values, ()),
            )
            dispatcher.utter_message(
                response="utter_handover_repeated", reference=reference, reach=reach
            )
            return [SlotSet("ticket_ref", reference), *after_error(tracker)]

        if entry is not None and entry.handover:
            dispatcher.utter_message(text=entry.handover)
        else:
            dispatcher.utter_message(response="utter_handover_generic")
        if reference:
            dispatcher.utter_message(response="utter_ticket_reference", reference=reference)
            channel = tracker.get_latest_input_channel()
            if someone_can_join(self.services.sessions, channel):  # bot/console: live takeover
                dispatcher.utter_message(text=AGENT_ONLINE)
        else:
            dispatcher.utter_message(response="utter_ticket_unavailable")
        body = email_body(
            reference,
            title,
            customer_message(_transcript(tracker), values)
            if entry
            else topic or _last_customer_text(tracker),
            values,
            steps,
        )
        dispatcher.utter_message(
            text=contacts_message(
                contacts,
                links=rich_text(tracker),
                subject=email_subject(reference, title),
                body=body,
            )
        )
        return [SlotSet("ticket_ref", reference), *after_error(tracker)]


class ActionAskHandoverTopic(DeskAction):
    """Ask what it's about when a person is asked for first thing; skippable, contacts in it."""

    def name(self) -> str:
        """Name the action as the domain does (the form asks its slot through it)."""
        return "action_ask_handover_topic"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """Ask the one question, with the Support Team's phone and email and a skip button."""
        contacts = self.services.handover_facts(None, {}).contacts
        reach = support_reach(contacts, links=rich_text(tracker))
        # The response's skip button asks for a person again: the form takes that as "skip".
        dispatcher.utter_message(response="utter_handover_topic_question", reach=reach)
        return []


class ActionShowContacts(DeskAction):
    """Show how to reach the Joblogic team."""

    def name(self) -> str:
        """Name the action as the domain does."""
        return "action_show_contacts"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """Give the contacts from the knowledge base."""
        contacts = self.services.handover_facts(None, {}).contacts
        dispatcher.utter_message(text=contacts_message(contacts, links=rich_text(tracker)))
        return []


def _open_ticket(
    services: Services,
    tracker: Tracker,
    error_id: str | None,
    values: dict[str, str],
    steps: list[str],
    topic: str | None,
) -> Ticket | None:
    """Open or find the ticket; None if the database failed (the core logged how to recover)."""
    request = HandoverRequest(
        conversation_id=tracker.sender_id,
        channel=tracker.get_latest_input_channel() or "unknown",
        reason=_reason(tracker),
        error_id=error_id,
        values=values,
        steps=steps,
        answers=_answers(tracker),
        transcript=_transcript(tracker),
        customer=customer_context(tracker),
        note=topic,
    )
    return services.hand_over(request)


def _reason(tracker: Tracker) -> str:
    intent = tracker.get_intent_of_latest_message()
    stage = tracker.get_slot("stage")
    if intent == "request_human":
        return "customer_asked"
    if intent == "fix_failed" or (stage == "fix_check" and intent == "deny"):
        return "fix_did_not_work"
    if stage == "handover_offer":
        return "unknown_error"
    if tracker.get_slot("sync_error"):
        return "support_required"
    if tracker.get_slot(TOPIC_SLOT):
        return "customer_asked"  # asked first thing; the message was their answer
    return "not_placed"


def _transcript(tracker: Tracker) -> list[dict[str, str]]:
    turns = []
    for event in tracker.applied_events():  # a rewound message is not part of the conversation
        if event.get("event") == "user" and event.get("text"):
            text = str(event["text"])
            if text.startswith("/"):  # a button: show what was meant, not the payload
                intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
                text = f"[button] {intent or text}"
            turns.append({"who": "customer", "text": text})
        elif event.get("event") == "bot" and event.get("text"):
            turns.append({"who": "bot", "text": str(event["text"])})
    return turns


def _answers(tracker: Tracker) -> list[dict[str, str]]:
    """Pair each "did that fix it?" / "was it helpful?" question with the customer's answer."""
    answers: list[dict[str, str]] = []
    question = None
    for event in tracker.applied_events():
        if event.get("event") == "bot":
            action = (event.get("metadata") or {}).get("utter_action")
            question = action if action in ("utter_ask_if_fixed", "utter_ask_helpful") else None
        elif event.get("event") == "user":
            intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
            if intent == "fix_failed":
                # "Still failing", or "it worked" earlier and now it has failed again: support
                # needs both answers, whatever was being asked.
                worked = any(a == {"question": "if_fixed", "answer": "yes"} for a in answers)
                again = "no, it failed again later" if worked else "no"
                answers.append({"question": "if_fixed", "answer": again})
                question = None
                continue
            if not question or str(intent).startswith("ask_"):
                continue  # nothing asked, or a question about the error: not the answer
            answer = {"affirm": "yes", "deny": "no"}.get(str(intent), str(event.get("text")))
            answers.append({"question": question.removeprefix("utter_ask_"), "answer": answer})
            question = None
    return answers


def customer_context(tracker: Tracker) -> dict[str, Any]:
    """The customer the channels put in the metadata: verified identity first, of any shape."""
    return customer_from_events(tracker.applied_events())


def _last_customer_text(tracker: Tracker) -> str | None:
    for event in reversed(tracker.applied_events()):
        text = str(event.get("text") or "") if event.get("event") == "user" else ""
        if text and not text.startswith("/"):  # a button's payload says nothing to support
            return text[:500]
    return None
