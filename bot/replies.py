"""The words syncdesk says about errors and contacts, for any channel (no Rasa here)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING
from urllib.parse import quote

from bot.advice import Advice
from bot.hours import reach_now
from bot.kb.source import PLACEHOLDER, Contact, ErrorEntry
from bot.kb.value_kinds import value_kinds

if TYPE_CHECKING:
    from bot.diagnosis.triage import Plan, PlanItem

__all__ = [
    "OPENINGS",
    "CHAT_FIXES",
    "advice_messages",
    "chat_fixes",
    "clipped",
    "confirm_question",
    "contact_link",
    "contacts_message",
    "found_several_message",
    "log_plan_message",
    "support_reach",
    "value_summary",
]

# Wording composed from the knowledge base (explanations, steps, plans, contacts). Fixed replies,
# whether the dialogue predicts them or an action sends them, are responses in domain/*.yml.

#: The first words of an explanation, by how the error was identified: "exact" or
#: "approximate" (from a pasted message), "described" (in the customer's words), "picked" (from
#: a list), "confirmed" (the customer said yes to "is it this one?"), or "next" (the next error
#: of the same paste).
OPENINGS = {
    "exact": "I know this one: {title}.",
    "approximate": "That looks like this one: {title}.",
    "described": "From what you describe, it's this one: {title}.",
    "picked": "Here's that one: {title}.",
    "confirmed": "Thanks, that's the one: {title}.",
    "next": "Next one: {title}.",
}

#: How many records a fix names in a pasted log's plan before "and N more".
_CHAT_RECORDS = 5
#: How many fixes of a pasted log the chat goes through. A long log (a month of failures can
#: need 200 fixes) gets its first ones; once those are done and the sync has run again, what
#: still fails is a shorter log to paste. The plan is ordered, so the first fixes clear most.
CHAT_FIXES = 10
#: How many failures the guide doesn't know a plan quotes, and how much of each.
_CHAT_UNKNOWN = 5
_UNKNOWN_CHARS = 300


def clipped(text: str, limit: int) -> str:
    """Return ``text``, or its first ``limit - 1`` characters and "…" if it is longer."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def chat_fixes(plan: Plan) -> tuple[PlanItem, ...]:
    """Return the fixes of ``plan`` the chat goes through, in the order to do them."""
    return plan.items[:CHAT_FIXES]


def advice_messages(advice: Advice, *, links: bool, how: str = "exact") -> list[str]:
    """Return the messages that explain an error and give its fix steps.

    Args:
        advice: The error's advice, with the customer's values.
        links: Whether the channel shows Markdown links.
        how: How the error was identified, for the opening words (one of :data:`OPENINGS`'s
            keys; any other opens as a pasted message does).
    """
    opening = OPENINGS.get(how, OPENINGS["exact"]).format(title=advice.title)
    if advice.support == "always":
        lead = "Here's what happens next:"
    elif advice.only_alternatives:
        lead = "Here's how to fix it. Any one of these will do, whichever suits you:"
    else:
        lead = "Here's how to fix it:"
    messages = [f"{opening}\n\n{advice.explanation}", f"{lead}\n{advice.steps_text()}"]
    for link in advice.links:
        messages.append(f"[{link.title}]({link.url})" if links else f"{link.title}: {link.url}")
    return messages


def value_summary(values: dict[str, str]) -> str:
    """Return the values of one occurrence in a few words: "invoice INV-1, tax code OUTPUT2"."""
    return value_kinds().summary(values)


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
        for failure in plan.unknown[:_CHAT_UNKNOWN]:
            times = f" (×{failure.count})" if failure.count > 1 else ""
            lines.append(f"- {clipped(failure.text, _UNKNOWN_CHARS)}{times}")
        if len(plan.unknown) > _CHAT_UNKNOWN:
            lines.append(f"- … and {len(plan.unknown) - _CHAT_UNKNOWN} more")
    if plan.items:
        if plan.unknown or len(plan.items) != plan.known_failures:
            fixes = _plural(len(plan.items), "fix", "fixes")
            which = "The rest come" if plan.unknown else "They come"
            lines.append(f"{which} down to {fixes}, in this order:")
        shown = chat_fixes(plan)
        for number, item in enumerate(shown, start=1):
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
        if len(plan.items) > len(shown):
            lines.append(
                f"… and {_plural(len(plan.items) - len(shown), 'more fix', 'more fixes')}. "
                f"Let's do these {len(shown)} first: then run the sync again, and paste the new "
                "log if anything still fails."
            )
        if len(shown) > 1:
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


def support_reach(
    contacts: Sequence[Contact], *, links: bool, subject: str = "", body: str = ""
) -> str:
    """Return "call … or email …" for the first team the desk lists (the sync-errors team)."""
    reach = reach_now(contacts)  # the phone only while the line is open (bot/hours.py)
    contacts = reach.contacts
    team = [c for c in contacts if c.team == contacts[0].team] if contacts else []
    ways = [
        ("call " if c.kind == "phone" else "email ")
        + (f"[{c.value}]({contact_link(c, subject=subject, body=body)})" if links else c.value)
        for c in team
    ]
    # The desk lists no contacts: a developer's mistake, but never a blank answer.
    closed = f" ({reach.aside})" if reach.aside and ways else ""
    return " or ".join(ways) + closed or "contact Joblogic's Support Team"


def contacts_message(
    contacts: Iterable[Contact], *, links: bool, subject: str = "", body: str = ""
) -> str:
    """Return Joblogic's contacts, one line per team, with clickable links where ``links``."""
    teams: dict[str, list[Contact]] = {}
    now = reach_now(contacts)  # the phone only while the line is open (bot/hours.py)
    for contact in now.contacts:
        teams.setdefault(contact.team, []).append(contact)
    lines = []
    for team, ways in teams.items():
        # Only the first team (sync errors) gets the pre-filled email; never customer success.
        prefill = {"subject": subject, "body": body} if team == next(iter(teams)) else {}
        reach = " or ".join(
            ("call " if way.kind == "phone" else "email ")
            + (f"[{way.value}]({contact_link(way, **prefill)})" if links else way.value)
            for way in ways
        )
        lines.append(f"- {team}: {reach}. {ways[0].purpose}")
    return "\n".join([*lines, now.note] if now.note else lines)
