"""Answer the customer's questions about the error being fixed, from its knowledge-base entry.

Once syncdesk has explained an error, customers ask about it: where to go, why it happens,
whose side it is on, whether support can do it and how long that takes, and what happens if
they leave it. Every answer is composed from the error's entry (``cause``, ``side``,
``if_ignored``, the steps' ``where``, ``support`` and ``handover``), the desk's contacts and its
settings, with the customer's own values filled in. Nothing here knows a particular error.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence

from sqlalchemy.exc import SQLAlchemyError

from bot.advice import fill
from bot.kb import KnowledgeBaseUnavailable, UnknownError
from bot.kb.source import Contact, ErrorEntry, Link, read_source
from bot.replies import support_reach, value_summary
from bot.services import Services, default

__all__ = [
    "NO_ERROR_YET",
    "QUESTION_KINDS",
    "answer",
    "answer_question",
    "answer_unknown",
]

log = logging.getLogger(__name__)

#: The questions syncdesk answers about the current error; intent ``ask_<kind>`` asks one.
QUESTION_KINDS = ("where", "why", "whose_side", "support_do_it", "how_long", "if_ignored")

#: Said when a question comes before any error has been identified.
NO_ERROR_YET = (
    "I can answer that once I know which error you have. Please paste the error message exactly "
    "as the sync showed it, or tell me in your own words what's going wrong."
)

#: The desk's actor for steps Joblogic support carries out (``actors`` in ``desk.yml``).
SUPPORT_ACTOR = "support"
#: The desk setting with how soon support acts; unset (None) means syncdesk doesn't know.
RESPONSE_TIME = "support_response_time"

# The first words of a "whose side is it on?" answer, by the entry's ``side.party``; the
# entry's own sentence follows. Keys are bot.kb.source.SIDES (a test checks).
SIDE_LEADS = {
    "xero": "In short: it's on Xero's side.",
    "joblogic-settings": "In short: it comes down to how Joblogic is set up, which you can change.",
    "your-data": "In short: it comes down to your own records or set-up.",
    "joblogic-support": "In short: Joblogic support needs to sort this one out.",
}
_DONT_KNOW = "I'm afraid I don't have that written down for this error."
_UNKNOWN_TIME = (
    "I can't promise a time: I don't know how quickly Joblogic support picks requests up."
)


def answer(
    kind: str,
    entry: ErrorEntry,
    values: Mapping[str, str],
    contacts: Sequence[Contact],
    settings: Mapping[str, str | None],
    *,
    reference: str | None = None,
    links: bool = False,
) -> str:
    """Return the answer to one question (one of :data:`QUESTION_KINDS`) about ``entry``.

    Args:
        kind: which question, e.g. ``"where"``.
        entry: the error the customer is fixing.
        values: the customer's values (invoice number, codes, ...), filled into the answer.
        contacts: the desk's contacts; the first team listed is the one for sync errors.
        settings: the desk's settings (``settings`` in ``desk.yml``); None for unset.
        reference: the handover ticket's reference, if one was opened, to quote to support.
        links: whether the channel renders Markdown links (phone and email become clickable).

    Raises:
        ValueError: ``kind`` is not a known question.
    """
    reach = _reach(contacts, links, reference)
    if kind == "where":
        return _where(entry, values, links)
    if kind == "why":
        return _known(entry.cause, values, reach)
    if kind == "whose_side":
        if entry.side is None:
            return _known((), values, reach)
        lead = SIDE_LEADS.get(entry.side.party, "")
        return f"{lead} {fill(entry.side.text, values)}".strip()
    if kind == "support_do_it":
        return _support_do_it(entry, values, reach)
    if kind == "how_long":
        return _how_long(entry, settings, reach, links)
    if kind == "if_ignored":
        return _known(entry.if_ignored, values, reach)
    raise ValueError(f"unknown question {kind!r}; expected one of {QUESTION_KINDS}")


def answer_unknown(
    kind: str,
    contacts: Sequence[Contact],
    settings: Mapping[str, str | None],
    *,
    reference: str | None = None,
    links: bool = False,
) -> str:
    """Return the answer to a question about an error syncdesk doesn't know.

    Support has been offered for it, so the questions about support are answered; the rest
    honestly can't be, and point at the people who can.
    """
    reach = _reach(contacts, links, reference)
    if kind == "support_do_it":
        return (
            "Yes: as it isn't an error I know, Joblogic support is the right team to look at it. "
            f"To reach them, {reach}."
        )
    if kind == "how_long":
        known_time = settings.get(RESPONSE_TIME)
        if known_time:
            return f"{known_time} To ask, {reach}."
        return f"{_UNKNOWN_TIME} The team will tell you when you {reach}."
    if kind not in QUESTION_KINDS:
        raise ValueError(f"unknown question {kind!r}; expected one of {QUESTION_KINDS}")
    return (
        "As it isn't one of the errors I know, I can't tell you more about it without guessing. "
        f"Joblogic support can: {reach}."
    )


def answer_question(
    kind: str,
    error_id: str | None,
    values: Mapping[str, str],
    *,
    unknown_error: bool = False,
    reference: str | None = None,
    links: bool = False,
    services: Services | None = None,
) -> str:
    """Answer a question about the error ``error_id`` from the knowledge base.

    Says :data:`NO_ERROR_YET` when no error has been identified, unless ``unknown_error`` says
    the customer's error is one syncdesk doesn't know (then :func:`answer_unknown`). If the
    database can't be read, the knowledge base's source files answer instead, so the customer
    always gets an answer and the contacts.
    """
    if not error_id and not unknown_error:
        return NO_ERROR_YET
    entry, contacts, desk = _read(services or default(), error_id)
    if entry is None:
        if not unknown_error:
            return NO_ERROR_YET
        return answer_unknown(kind, contacts, desk, reference=reference, links=links)
    return answer(kind, entry, values, contacts, desk, reference=reference, links=links)


def _read(
    services: Services, error_id: str | None
) -> tuple[ErrorEntry | None, list[Contact], dict[str, str | None]]:
    """Return the error (None if unknown), the contacts and the desk's settings."""
    try:
        kb = services.knowledge()
        try:
            entry = kb.error(error_id) if error_id else None
        except UnknownError:
            entry = None
        return entry, kb.contacts(), kb.settings()
    except (SQLAlchemyError, KnowledgeBaseUnavailable) as problem:
        log.error(
            "The knowledge base could not be read (%s); answering from the source files",
            type(problem).__name__,
        )
    source = read_source(services.settings.kb_source)
    found = [e for e in source.errors if e.id == error_id]
    return (found[0] if found else None), list(source.contacts), dict(source.settings)


def _where(entry: ErrorEntry, values: Mapping[str, str], links: bool) -> str:
    pages = {link.title: _page(link, links) for link in entry.links}
    places = _unique(s.where for s in entry.steps if s.actor != SUPPORT_ACTOR)
    summary = value_summary(dict(values))
    lines = [f"For {summary}, here's where to go:" if summary else "Here's where to go:"]
    lines += [f"- {pages.get(place, place)}" for place in places]
    lines += [f"- {page}" for title, page in pages.items() if title not in places]
    if any(s.actor == SUPPORT_ACTOR for s in entry.steps):
        lines.append("Joblogic support does its part at their end; there's nowhere to go for that.")
    return "\n".join(lines)


def _support_do_it(entry: ErrorEntry, values: Mapping[str, str], reach: str) -> str:
    handover = f" {entry.handover}" if entry.handover else ""
    if entry.support == "always":
        return f"Yes, this one is for Joblogic support.{handover} To reach them, {reach}."
    if entry.support == "optional":
        return (
            f"I can't change anything in your accounts myself, but Joblogic support can.{handover} "
            f"To ask them, {reach}. Or, if you'd rather, the steps I gave let you fix it yourself."
        )
    if entry.side is not None and entry.side.party == "xero":
        return f"No one at Joblogic can fix this one. {fill(entry.side.text, values)}"
    return (
        "This is a change in your own accounts, so it's one you make yourself with the steps I "
        "gave; I can't make changes in Xero or Joblogic for you. If you get stuck on a step, "
        f"Joblogic support can help: {reach}."
    )


def _how_long(
    entry: ErrorEntry, settings: Mapping[str, str | None], reach: str, links: bool
) -> str:
    known_time = settings.get(RESPONSE_TIME)
    if entry.support == "never" and entry.side is not None and entry.side.party == "xero":
        pages = ", ".join(_page(link, links) for link in entry.links)
        return (
            "There's no support job to wait for here: it lasts as long as Xero's problem does."
            + (f" For news of it, see {pages}." if pages else "")
        )
    if entry.support == "never":
        return " ".join(
            part
            for part in (
                "This one doesn't need support: you can fix it yourself straight away with the "
                "steps I gave.",
                f"If you'd like help with it, {reach}.",
                known_time,
            )
            if part
        )
    if known_time:
        return " ".join(part for part in (known_time, entry.handover, f"To ask, {reach}.") if part)
    return " ".join(
        part
        for part in (_UNKNOWN_TIME, entry.handover, f"The team will tell you when you {reach}.")
        if part
    )


def _known(texts: Sequence[str], values: Mapping[str, str], reach: str) -> str:
    if not texts:
        return f"{_DONT_KNOW} Joblogic support can tell you: {reach}."
    return fill(texts, values)


def _reach(contacts: Sequence[Contact], links: bool, reference: str | None) -> str:
    """Return "call … or email …" for the sync-errors team, with the reference to quote."""
    reach = support_reach(contacts, links=links)
    return reach + (f", and quote your reference {reference}" if reference else "")


def _page(link: Link, links: bool) -> str:
    return f"[{link.title}]({link.url})" if links else f"{link.title}: {link.url}"


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))
