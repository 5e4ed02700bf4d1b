"""The emails support receives: one per ticket, then follow-ups in the same thread."""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from typing import TYPE_CHECKING, Any

from bot.advice import advise
from bot.kb.repository import KnowledgeBase, UnknownError
from bot.kb.source import Contact
from bot.replies import value_summary

if TYPE_CHECKING:
    from bot.handover import Ticket

__all__ = ["Email", "follow_up_email", "new_turns", "support_inbox", "thread_id", "ticket_email"]

#: Why people had to step in, as support reads it (``HandoverRequest.reason``).
REASONS = {
    "support_required": "The fix needs Joblogic support to act.",
    "fix_did_not_work": "The customer says the fix did not work.",
    "customer_asked": "The customer asked for a person.",
    "unknown_error": "Not one of the Xero sync errors syncdesk knows.",
    "not_placed": "syncdesk could not tell which error it is.",
}
_EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")
_TRUE = ("true", "1", "yes")


@dataclass(frozen=True)
class Email:
    """A composed email, ready for the outbox."""

    message_id: str
    recipient: str
    subject: str
    message: EmailMessage


def support_inbox(contacts: Sequence[Contact]) -> str | None:
    """Return the support inbox: the first email address of the first team the desk lists."""
    team = contacts[0].team if contacts else None
    return next((c.value for c in contacts if c.team == team and c.kind == "email"), None)


def thread_id(ticket: Ticket, domain: str) -> str:
    """Return the ticket's stable Message-ID: the same for every email about it, anywhere."""
    seed = f"{ticket.reference}|{ticket.conversation_id}|{ticket.created_at.isoformat()}"
    digest = hashlib.sha256(seed.encode()).hexdigest()[:16]
    return f"<{ticket.reference.lower()}.{digest}@{domain}>"


def ticket_email(
    kb: KnowledgeBase, ticket: Ticket, *, inbox: str, sender: str, domain: str
) -> Email:
    """Compose the first email about a ticket: everything support needs to act."""
    title, explanation = _error_words(kb, ticket)
    subject = f"{ticket.reference}: {title}"
    summary = value_summary(dict(ticket.values))
    if summary:
        subject += f" ({summary})"
    lines = [
        f"Reference: {ticket.reference}",
        f"Opened: {ticket.created_at:%Y-%m-%d %H:%M} UTC, in the {ticket.channel} chat",
        f"Why: {REASONS.get(ticket.reason, ticket.reason)}",
        "",
        f"The error: {title}",
    ]
    if explanation:
        lines.append(explanation)
    if ticket.note:
        lines += ["", "In the customer's words:", _quote(ticket.note)]
    lines += ["", "Values:", *_values(ticket.values)]
    lines += ["", "Steps shown to the customer:"]
    lines += [f"  {step}" for step in ticket.steps.get("shown") or []] or ["  (none)"]
    lines += ["", "The customer's answers:", *_answers(ticket.steps.get("answers") or [])]
    lines += ["", *_customer(ticket.customer)]
    lines += ["", "Transcript:", *_transcript(ticket.transcript)]
    lines += ["", f"Conversation id: {ticket.conversation_id}"]
    message_id = thread_id(ticket, domain)
    return Email(
        message_id,
        inbox,
        subject,
        _message(message_id, inbox, sender, subject, lines, ticket, root=None),
    )


def follow_up_email(
    kb: KnowledgeBase,
    before: Ticket,
    after: Ticket,
    *,
    inbox: str,
    sender: str,
    domain: str,
) -> Email | None:
    """Compose the update sent when a later turn finds the ticket again; None if nothing changed."""
    turns = new_turns(before.transcript, after.transcript)
    answers = after.steps.get("answers") or []
    changed_answers = answers != (before.steps.get("answers") or [])
    changed_note = after.note != before.note
    if not (turns or changed_answers or changed_note):
        return None
    title, _explanation = _error_words(kb, after)
    subject = f"Re: {after.reference}: {title}"
    lines = [f"Update on {after.reference}: the customer came back to the same conversation."]
    if changed_answers and answers:
        lines += ["", "The customer's answers so far:", *_answers(answers)]
    if changed_note and after.note:
        lines += ["", "In the customer's words:", _quote(after.note)]
    if turns:
        lines += ["", "Since the last email:", *_transcript(turns)]
    root = thread_id(after, domain)
    message_id = f"<{after.reference.lower()}.{uuid.uuid4().hex[:16]}@{domain}>"
    return Email(
        message_id,
        inbox,
        subject,
        _message(message_id, inbox, sender, subject, lines, after, root=root),
    )


def new_turns(
    before: Sequence[Mapping[str, str]], after: Sequence[Mapping[str, str]]
) -> list[Mapping[str, str]]:
    """Return the turns of ``after`` that follow what ``before`` already held.

    Transcripts keep only the latest turns, so ``after`` may start part-way into ``before``:
    the longest end of ``before`` that ``after`` starts with is what support has seen.
    """
    before, after = list(before), list(after)
    for overlap in range(min(len(before), len(after)), 0, -1):
        if after[:overlap] == before[-overlap:]:
            return after[overlap:]
    return after


def _error_words(kb: KnowledgeBase, ticket: Ticket) -> tuple[str, str | None]:
    if not ticket.error_id:
        return "Xero sync: the customer needs a person", None
    try:
        entry = kb.error(ticket.error_id)
    except UnknownError:
        return ticket.error_id, None
    advice = advise(entry, ticket.values, kb.actors())
    return advice.title, advice.explanation


def _message(
    message_id: str,
    inbox: str,
    sender: str,
    subject: str,
    lines: list[str],
    ticket: Ticket,
    root: str | None,
) -> EmailMessage:
    message = EmailMessage()
    message["Message-ID"] = message_id
    message["From"] = f"syncdesk <{sender}>"
    message["To"] = inbox
    message["Subject"] = subject
    sent = ticket.created_at if root is None else datetime.now(timezone.utc)
    message["Date"] = format_datetime(sent)
    reply_to = customer_email(ticket.customer)
    if reply_to:
        message["Reply-To"] = reply_to
    if root:
        message["In-Reply-To"] = root
        message["References"] = root
    message["X-Syncdesk-Ticket"] = ticket.reference
    message.set_content("\n".join(lines) + "\n")
    return message


def customer_email(customer: Mapping[str, Any]) -> str | None:
    """Return the customer's email address from their context, when it is one."""
    _name, address = parseaddr(str(customer.get("email") or ""))
    return address if _EMAIL.match(address) else None


def _verified(customer: Mapping[str, Any]) -> bool:
    flag = customer.get("verified")
    return flag is True or str(flag).strip().lower() in _TRUE


def _customer(customer: Mapping[str, Any]) -> list[str]:
    fields = {k: v for k, v in customer.items() if k != "verified"}
    if _verified(customer):
        head = "Customer context (verified: signed by the Joblogic app):"
    else:
        head = "Customer context (UNVERIFIED: sent by the browser; anyone can change it):"
    return [head, *(f"  {name}: {value}" for name, value in fields.items())] if fields else [
        head, "  (none)"
    ]


def _values(values: Mapping[str, str]) -> list[str]:
    return [f"  {name}: {value}" for name, value in values.items()] or ["  (none)"]


def _answers(answers: Sequence[Mapping[str, str]]) -> list[str]:
    questions = {"if_fixed": "Did that fix it?", "helpful": "Was this helpful?"}
    return [
        f"  {questions.get(a.get('question', ''), a.get('question', ''))} {a.get('answer', '')}"
        for a in answers
    ] or ["  (none yet)"]


def _transcript(turns: Sequence[Mapping[str, str]]) -> list[str]:
    who = {"customer": "Customer", "bot": "syncdesk"}
    lines = []
    for turn in turns:
        text = str(turn.get("text", "")).replace("\n", "\n    ")
        lines.append(f"  {who.get(turn.get('who', ''), turn.get('who', ''))}: {text}")
    return lines or ["  (empty)"]


def _quote(text: str) -> str:
    return "\n".join(f"> {line}" for line in text.splitlines())
