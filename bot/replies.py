"""The words syncdesk says about errors and contacts, for any channel (no Rasa here)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING
from urllib.parse import quote

from bot.advice import Advice
from bot.kb.source import PLACEHOLDER, Contact, ErrorEntry

if TYPE_CHECKING:
    from bot.diagnosis.triage import Plan

__all__ = [
    "ASK_RECORD_TYPE",
    "ASK_WHICH_ERROR",
    "HANDOVER_GENERIC",
    "CORRECTED",
    "NOTHING_TO_CORRECT",
    "NOT_ONE_I_KNOW",
    "ONLY_ERROR",
    "SAME_AGAIN",
    "TICKET_REFERENCE",
    "TICKET_UNAVAILABLE",
    "UNSURE",
    "advice_messages",
    "confirm_question",
    "contact_link",
    "contacts_message",
    "found_several_message",
    "log_plan_message",
    "value_summary",
]

# Messages an action composes at run time, around content from the knowledge base. Fixed
# messages the dialogue predicts on its own are responses in domain/conversation.yml.
UNSURE = "I'm not sure which error this is. Is it one of these?"
ASK_RECORD_TYPE = "No problem. Which kind of record didn't go across to Xero?"
ASK_WHICH_ERROR = "These are the errors that affect {record_type}. Which sounds like yours?"
CORRECTED = "Thanks, I've corrected that: {values}."
NOTHING_TO_CORRECT = (
    "Sorry, I didn't catch what to change. Tell me the right invoice number, code or amount "
    "(e.g. \"the invoice is INV-0042\"), or paste the error message again."
)
ONLY_ERROR = "That was the only error I found in what you pasted."
SAME_AGAIN = "That's the same error as before ({title}); the steps above still apply."
NOT_ONE_I_KNOW = (
    "That isn't one of the Xero sync errors I know, so I won't guess at a fix: changing the "
    "wrong thing in your accounts could make matters worse. Joblogic's people can help straight "
    "away:\n{contacts}\n\nOr shall I pass it to Joblogic support now, with a reference and "
    "everything you've told me?"
)
HANDOVER_GENERIC = "I'll pass this to Joblogic support, with everything you've told me."
TICKET_REFERENCE = (
    "Your reference is {reference}. Quote it when you call or email and the team will have the "
    "whole conversation, so you won't need to explain it again."
)
TICKET_UNAVAILABLE = (
    "I couldn't create a reference just now, but the team can still help straight away; "
    "tell them what you told me here."
)

#: How many records a fix names in a pasted log's plan before "and N more".
_CHAT_RECORDS = 5
_VALUE_LABELS = (
    ("invoice_number", "invoice"),
    ("credit_note_number", "credit note"),
    ("account_name", "account"),
    ("account_code", "account code"),
    ("tax_code", "tax code"),
    ("amount", "£"),
)


def advice_messages(advice: Advice, *, links: bool) -> list[str]:
    """Return the messages that explain an error and give its numbered fix steps."""
    messages = [f"I know this one: {advice.title}.\n\n{advice.explanation}"]
    steps = advice.steps_text()
    if advice.support == "always":
        messages.append(f"Here's what happens next:\n{steps}")
    else:
        messages.append(f"Here's how to fix it:\n{steps}")
    for link in advice.links:
        messages.append(f"[{link.title}]({link.url})" if links else f"{link.title}: {link.url}")
    return messages


def value_summary(values: dict[str, str]) -> str:
    """Return the values of one occurrence in a few words: "invoice INV-1, tax code OUTPUT2"."""
    parts = []
    for key, label in _VALUE_LABELS:
        if values.get(key):
            parts.append(f"£{values[key]}" if key == "amount" else f"{label} {values[key]}")
    return ", ".join(parts)


def found_several_message(entries: Sequence[ErrorEntry], values: Sequence[dict[str, str]]) -> str:
    """Return the short plan shown when one paste holds several errors."""
    lines = [f"I found {len(entries)} errors in what you pasted:"]
    for number, (entry, found) in enumerate(zip(entries, values, strict=True), start=1):
        summary = value_summary(found)
        lines.append(f"{number}. {entry.title}" + (f" ({summary})" if summary else ""))
    lines.append("Let's take them one at a time, starting with the first.")
    return "\n".join(lines)


def log_plan_message(plan: Plan) -> str:
    """Return what syncdesk says of a pasted sync log, as `bot.diagnosis.triage` planned it.

    Failures the help guide doesn't know come first, each in full; then one line per fix, in
    the order to do them. Lines that report success or information are only counted.
    """
    left_out = (
        f" (I left out {_plural(plan.ok_lines, 'line')} reporting success or information)"
        if plan.ok_lines
        else ""
    )
    if not plan.failures:
        return f"Nothing in what you pasted failed{left_out}."
    lines = [f"I found {_plural(plan.failures, 'error')} in what you pasted{left_out}:"]
    if plan.unknown:
        lines.append(
            "Not in my help guide, so Joblogic support needs to see "
            + ("it:" if plan.unknown_failures == 1 else "them:")
        )
        lines += [f"- {u.text}" + (f" (×{u.count})" if u.count > 1 else "") for u in plan.unknown]
    if plan.items:
        if plan.unknown or len(plan.items) != plan.known_failures:
            fixes = _plural(len(plan.items), "fix", "fixes")
            which = "The rest come" if plan.unknown else "They come"
            lines.append(f"{which} down to {fixes}, in this order:")
        for number, item in enumerate(plan.items, start=1):
            named = [
                value_summary({k: v for k, v in r.values.items() if k not in item.values})
                for r in item.records
            ]
            named = [name for name in named if name]
            about = [value_summary(item.values)] if item.values else []
            if named:
                more = len(named) - _CHAT_RECORDS
                about.append(
                    ", ".join(named[:_CHAT_RECORDS]) + (f" and {more} more" if more > 0 else "")
                )
            about_text = f" ({'; '.join(about)})" if about else ""
            times = f" — {item.count} times" if item.count > 1 else ""
            lines.append(f"{number}. {item.title}{about_text}{times}")
        if len(plan.items) > 1:
            lines.append("Let's take them one at a time, starting with the first.")
    return "\n".join(lines)


def _plural(number: int, noun: str, plural: str = "") -> str:
    return f"{number} {noun if number == 1 else plural or noun + 's'}"


def confirm_question(entry: ErrorEntry, values: Mapping[str, str], how: str | None = None) -> str:
    """Return the one short question that checks a probable error ("Does your message say ...").

    For a message close to an error's wording it quotes the error's first phrase with the
    customer's values ("…" for the ones not read); for a description, it names the error.
    """
    if how == "described":
        return f"It sounds like this one: {entry.title}. Is that right?"
    phrase = PLACEHOLDER.sub(lambda m: str(values.get(m.group(1)) or "…"), entry.phrases[0])
    return f"I think I know this one. Does your message say \u201c{phrase}\u201d?"


def contact_link(contact: Contact, *, subject: str = "", body: str = "") -> str:
    """Return the ``tel:`` or ``mailto:`` address for a contact."""
    if contact.kind == "phone":
        return "tel:" + re.sub(r"[^\d+]", "", contact.value)
    query = "&".join(
        f"{key}={quote(value)}" for key, value in (("subject", subject), ("body", body)) if value
    )
    return f"mailto:{contact.value}" + (f"?{query}" if query else "")


def contacts_message(
    contacts: Iterable[Contact], *, links: bool, subject: str = "", body: str = ""
) -> str:
    """Return Joblogic's contacts, one line per team, with clickable links where ``links``."""
    teams: dict[str, list[Contact]] = {}
    for contact in contacts:
        teams.setdefault(contact.team, []).append(contact)
    lines = []
    for team, ways in teams.items():
        reach = " or ".join(
            ("call " if way.kind == "phone" else "email ")
            + (
                f"[{way.value}]({contact_link(way, subject=subject, body=body)})"
                if links
                else way.value
            )
            for way in ways
        )
        lines.append(f"- {team}: {reach}. {ways[0].purpose}")
    return "\n".join(lines)
