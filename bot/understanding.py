"""Decide what a customer's message says about their sync error: one rule, for every channel.

Evidence comes in two kinds, and the exact kind always wins:

1. The diagnosis engine's matches (:mod:`bot.diagnosis`): the error's own wording, found
   exactly or approximately. An exact match, or an approximate one the engine is sure of, is
   the error; a middling approximate one is put to the customer as one short question.
2. The NLU's reading of a description (an :class:`Interpretation`, which the adapters make
   from Rasa's parse data): the intent ranking over the error intents (named by the errors'
   slugs), the intent for "a Xero problem that is not one of the known errors", and any kind of
   record the customer named.

A wrong diagnosis costs a customer's books and a miss only costs a handover, so every doubt
resolves towards asking, offering a short list, or handing over, never towards a guess.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.diagnosis import Match
from bot.kb.source import PLACEHOLDERS, ErrorEntry

__all__ = [
    "CONFIRM",
    "IDENTIFIED",
    "Entity",
    "Interpretation",
    "OTHER_ERROR_INTENTS",
    "RECORD_TYPE",
    "Reading",
    "UNKNOWN_ERROR",
    "UNPLACED",
    "UNSURE",
    "Understanding",
    "corrected_values",
    "described_pending",
    "entity_values",
    "mentioned_record_type",
    "named_record_types",
    "passed_on_matches",
    "pending_choice",
    "pending_of_kind",
    "read_ranking",
    "twin_on",
    "understand",
]

#: Confidence at or above which a described error is taken as probable ...
SURE = 0.6
#: ... when it also leads the next error by this much.
MARGIN = 0.2
# A description alone is never asserted: it is put to the customer as one question. On
# descriptions from real sources kept out of training (bench/understanding.py), DIET's wrong
# readings were as confident as its right ones (0.96-0.97 against 0.96-0.99): no threshold
# separates them, and a wrong diagnosis costs a customer's books where a question costs a click.
#: Errors below this confidence are not offered as guesses.
GUESS_FLOOR = 0.08
#: How sure the NLU must be that a description names one of the errors still waiting from the
#: same paste ("what about the duplicate invoice number one?"). Those few are already known to
#: be the customer's, and picking the wrong one of them explains another of their own errors.
PENDING_SURE = 0.3
#: Intents that mean "a Xero error, but not one of the known ones" (``paste_error`` only
#: when the engine found nothing: the message looks like an error but isn't one we know).
OTHER_ERROR_INTENTS = ("other_xero_error", "paste_error")
#: How sure the NLU must be that a message is another Xero error to say so.
OTHER_SURE = 0.5

IDENTIFIED = "identified"  # the error is known: explain it
CONFIRM = "confirm"  # probably this error: ask "does your message say ...?"
UNSURE = "unsure"  # a few candidates: offer them
RECORD_TYPE = "record_type"  # the customer named a kind of record: offer its errors
UNKNOWN_ERROR = "unknown_error"  # a Xero error that isn't one of ours: never guess, hand over
UNPLACED = "unplaced"  # nothing to go on


@dataclass(frozen=True)
class Entity:
    """A value the NLU found in a message: its kind (``invoice_number``, ``record_type``...)."""

    name: str
    value: str
    start: int = 0  # where it starts in the message, for the order things were named in


@dataclass(frozen=True)
class Interpretation:
    """What the NLU made of one message: its intent, the whole ranking, the values it found."""

    intent: str | None = None
    confidence: float = 0.0
    ranking: tuple[tuple[str, float], ...] = ()  # (intent, confidence), best first
    entities: tuple[Entity, ...] = ()


@dataclass(frozen=True)
class Reading:
    """What a message's intent ranking says: ``identified``, ``unsure`` or ``unplaced``."""

    kind: str
    error_id: str | None = None
    guesses: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class Understanding:
    """What syncdesk makes of one message.

    ``how`` says which evidence decided: ``exact`` or ``approximate`` (the engine), or
    ``described`` (the NLU). ``others`` are further errors found in the same paste.
    """

    kind: str
    error_id: str | None = None
    values: Mapping[str, str] = field(default_factory=dict)
    how: str | None = None
    confidence: float = 0.0
    guesses: tuple[str, ...] = ()
    record_type: str | None = None
    others: tuple[Match, ...] = ()


def read_ranking(
    ranking: Sequence[tuple[str, float]], known: Collection[str], max_guesses: int = 3
) -> Reading:
    """Read an intent ranking against the known error ids.

    Args:
        ranking: ``(intent, confidence)`` pairs, in any order.
        known: the error ids (which are also the intents' names).
        max_guesses: how many guesses to offer when unsure.
    """
    errors = _errors_ranked(ranking, known)
    if not errors:
        return Reading("unplaced")
    best_id, best = errors[0]
    runner_up = errors[1][1] if len(errors) > 1 else 0.0
    if best >= SURE and best - runner_up >= MARGIN:
        return Reading("identified", error_id=best_id)
    guesses = tuple(name for name, confidence in errors[:max_guesses] if confidence >= GUESS_FLOOR)
    if not guesses:
        return Reading("unplaced")
    return Reading("unsure", guesses=guesses)


def _errors_ranked(
    ranking: Sequence[tuple[str, float]], known: Collection[str]
) -> list[tuple[str, float]]:
    """Return the known errors of an intent ranking, most confident first."""
    errors = [(name, confidence) for name, confidence in ranking if name in known]
    return sorted(errors, key=lambda pair: pair[1], reverse=True)


def understand(
    matches: Sequence[Match],
    heard: Interpretation,
    record_types: Mapping[str, str],
    *,
    picked: bool = False,
) -> Understanding:
    """Decide what one message says, from the engine's ``matches`` and the NLU's reading.

    Args:
        matches: the diagnosis engine's matches for the message, best first.
        heard: what the NLU made of the message.
        record_types: every known error's id -> the kind of record it concerns.
        picked: the customer chose the error from a list (a button), so it is certain.
    """
    if matches:
        best = matches[0]
        values = dict(best.values)
        if len(matches) == 1:
            # A message typed into a sentence: "invoice 40213 is stuck, xero says the invoice
            # number must be unique". The sentence's own values fill what the message lacks.
            values = {**entity_values(heard), **values}
        if best.sure:  # exact, or approximate and sure (calibrated against look-alikes)
            return Understanding(
                IDENTIFIED,
                best.error_id,
                values,
                how=best.how,
                confidence=best.confidence,
                others=tuple(matches[1:]),
            )
        return Understanding(
            CONFIRM, best.error_id, values, how=best.how, confidence=best.confidence
        )

    values = entity_values(heard)
    named = mentioned_record_type(heard, set(record_types.values()))
    if picked and heard.intent in record_types:
        return Understanding(IDENTIFIED, heard.intent, values, how="picked", confidence=1.0)
    if heard.intent in OTHER_ERROR_INTENTS and heard.confidence >= OTHER_SURE:
        return Understanding(UNKNOWN_ERROR, values=values, record_type=named)
    # nlu_fallback leads when nothing is sure: the ranking below it still says what's close.
    if heard.intent == "nlu_fallback":
        others = [name for name, _ in heard.ranking if name != "nlu_fallback"]
        if others and others[0] in OTHER_ERROR_INTENTS:
            return Understanding(UNKNOWN_ERROR, values=values, record_type=named)

    reading = read_ranking(heard.ranking, record_types)
    if reading.kind == "identified" and reading.error_id:
        error_id = reading.error_id
        if named is None or record_types[error_id] == named:
            confidence = next(c for name, c in heard.ranking if name == error_id)
            return Understanding(CONFIRM, error_id, values, how="described", confidence=confidence)
    if named is not None:
        # The customer said which kind of record: its short list beats guesses across kinds.
        return Understanding(RECORD_TYPE, values=values, record_type=named)
    if reading.kind == "unsure":
        return Understanding(UNSURE, values=values, guesses=reading.guesses)
    return Understanding(UNPLACED, values=values)


#: Where the NLU component leaves its diagnosis of a message in the parse data.
DIAGNOSIS = "diagnosis"


def passed_on_matches(parse: Mapping[str, Any]) -> list[Match] | None:
    """Return the matches the NLU component passed on, or None if it didn't read it all.

    The component diagnoses messages up to its size limit (components/pasted_error.py); a
    longer one, or one it didn't see, must be diagnosed by the caller.
    """
    done = parse.get(DIAGNOSIS)
    if isinstance(done, dict) and done.get("complete") and isinstance(done.get("matches"), list):
        return [Match.from_json(m) for m in done["matches"]]
    return None


def entity_values(heard: Interpretation, names: Collection[str] | None = None) -> dict[str, str]:
    """Return the values (invoice number, codes, amount) the customer mentioned, first of each."""
    wanted = set(names or PLACEHOLDERS)
    values: dict[str, str] = {}
    for entity in heard.entities:
        if entity.name in wanted and entity.name not in values and entity.value:
            values[entity.name] = entity.value
    return values


def mentioned_record_type(heard: Interpretation, known: Collection[str]) -> str | None:
    """Return the one kind of record the message names (an entity), or None for none or several."""
    named = named_record_types(heard, known)
    return named[0] if len(named) == 1 else None


def named_record_types(heard: Interpretation, known: Collection[str]) -> list[str]:
    """Return the kinds of record the message names, in the order it names them."""
    found = sorted(
        (e.start, e.value) for e in heard.entities if e.name == "record_type" and e.value in known
    )
    return list(dict.fromkeys(kind for _, kind in found))


def corrected_values(heard: Interpretation, current: Mapping[str, str]) -> dict[str, str]:
    """Return the values a correction gives: "the invoice is INV-88 not INV-8" -> INV-88.

    Of the values the message names for one placeholder, the first that differs from the
    current one is the correction (the other is the value it replaces).
    """
    mentioned: dict[str, list[str]] = {}
    for entity in sorted(heard.entities, key=lambda e: e.start):
        if entity.name in PLACEHOLDERS and entity.value:
            mentioned.setdefault(entity.name, []).append(entity.value)
    changed = {}
    for name, values in mentioned.items():
        fresh = [v for v in values if v.casefold() != str(current.get(name, "")).casefold()]
        if fresh:
            changed[name] = fresh[0]
    return changed


def pending_of_kind(
    pending: Sequence[Mapping[str, Any]], kinds: Sequence[str], record_types: Mapping[str, str]
) -> int | None:
    """Return the first pending error of the first of ``kinds`` that has one, or None."""
    for kind in kinds:
        for index, item in enumerate(pending):
            if record_types.get(str(item.get("error_id"))) == kind:
                return index
    return None


def described_pending(
    heard: Interpretation, pending: Sequence[Mapping[str, Any]], known: Collection[str]
) -> int | None:
    """Return which error still waiting from the same paste the customer describes, or None.

    It is the error the NLU ranks first, if at least `PENDING_SURE` and one of ``pending``.
    """
    errors = _errors_ranked(heard.ranking, known)
    if not errors or not pending:
        return None
    best, confidence = errors[0]
    if confidence < PENDING_SURE:
        return None
    return next((i for i, item in enumerate(pending) if item.get("error_id") == best), None)


def twin_on(errors: Iterable[ErrorEntry], error_id: str | None, kind: str) -> str | None:
    """Return the same failure as ``error_id`` on records of ``kind`` ("it's a credit note")."""
    entries = {entry.id: entry for entry in errors}
    twin = entries[error_id].twin if error_id in entries else None
    return twin if twin in entries and entries[twin].record_type == kind else None


#: Words that pick one of several pending errors by position.
_ORDINALS = {"second": 0, "2nd": 0, "third": 1, "3rd": 1, "fourth": 2, "last": -1}


def pending_choice(
    text: str,
    heard: Interpretation,
    pending: Sequence[Mapping[str, Any]],
    record_types: Mapping[str, str],
) -> int | None:
    """Return which pending error the customer asks about ("the credit note", "the second one").

    The first named kind of record that a pending error concerns wins; then an ordinal
    ("the second one" is the first still pending, the first having been explained); then the
    next one. None when nothing is pending.
    """
    if not pending:
        return None
    kinds = named_record_types(heard, set(record_types.values()))
    index = pending_of_kind(pending, kinds, record_types)
    if index is not None:
        return index
    words = set(text.casefold().replace("?", " ").split())
    for word, index in _ORDINALS.items():
        if word in words:
            # "the third one" of two still pending is the last one.
            return index % len(pending) if index < len(pending) else len(pending) - 1
    return 0
