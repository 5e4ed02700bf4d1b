"""The words syncdesk says about errors and contacts, for any channel (no Rasa here)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from urllib.parse import quote

from bot.advice import Advice
from bot.kb.source import Contact, ErrorEntry

__all__ = [
    "ASK_RECORD_TYPE",
    "ASK_WHICH_ERROR",
    "HANDOVER_GENERIC",
    "TICKET_REFERENCE",
    "TICKET_UNAVAILABLE",
    "UNSURE",
    "advice_messages",
    "contact_link",
    "contacts_message",
    "found_several_message",
    "value_summary",
]

# Messages an action composes at run time, around content from the knowledge base. Fixed
# messages the dialogue predicts on its own are responses in domain.yml.
UNSURE = "I'm not sure which error this is. Is it one of these?"
ASK_RECORD_TYPE = "No problem. Which kind of record didn't go across to Xero?"
ASK_WHICH_ERROR = "These are the errors that affect {record_type}. Which sounds like yours?"
HANDOVER_GENERIC = "I'll pass this to Joblogic support, with everything you've told me."
TICKET_REFERENCE = (
    "Your reference is {reference}. Quote it when you call or email and the team will have the "
    "whole conversation, so you won't need to explain it again."
)
TICKET_UNAVAILABLE = (
    "I couldn't create a reference just now, but the team can still help straight away; "
    "tell them what you told me here."
)

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
