"""Recognise the knowledge base's sync errors in text a customer pastes, and read their values.

A `Diagnoser` is built once from the error entries: each entry's ``phrases`` (Xero's wording;
any one alone identifies the error) and its optional Joblogic line ``prefix`` are compiled
into patterns. Nothing here is specific to one error: a new entry in the data is recognised
as it is. Matching ignores case and spacing, accepts Xero's quoted values, reads Xero's JSON
envelopes (whole, embedded or cut off), and takes the values of the entry's prefix when it
stands right before the phrase, as in ``Invoice: INV-0042 - Invoice # must be unique``.

Recognition is a ladder. The text is first `normalise` d (invisible characters dropped, HTML
entities decoded, look-alike characters made plain), so every rung sees the same plain text
and values still come out as the customer wrote them. The exact rung matches the templates;
only when it finds nothing does the approximate rung (`bot.diagnosis.approximate`) look for
the errors' wording with typos, reordered or missing clauses, cut-offs and fragments. It
refuses look-alikes rather than guess. ``Match.how`` says which rung found a match.

Confidence scale (``Match.confidence``) of the exact rung:

* **1.0**: a complete message: every phrase of the error, or Joblogic's prefix + a phrase.
* **0.9**: one phrase whole but alone (e.g. one sentence of a two-sentence message).
* **0.8**: a phrase whole, but the message is cut off inside the next one.
* **0.6-0.75**: only a cut-off phrase (``truncated``), scaled by how much of its wording is
  there; it needs its distinctive start and at least 60% of its literal text.

The approximate rung's scale is in `bot.diagnosis.approximate`: 0.85 and above asserts the
error, 0.6-0.85 asks the customer to confirm it.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, NamedTuple, Protocol

from bot.diagnosis.approximate import (
    APPROXIMATE,
    ASSERT_CONFIDENCE,
    EXACT,
    Approximate,
    Candidate,
)
from bot.diagnosis.envelope import find_envelopes
from bot.diagnosis.normalise import Normalised, normalise
from bot.diagnosis.templates import MIN_COVERAGE, Template, fold
from bot.kb.value_kinds import ValueKinds, value_kinds

__all__ = ["Diagnoser", "Match", "PatternSource"]

COMPLETE = 1.0
ONE_PHRASE = 0.9
CUT_AFTER_PHRASE = 0.8
CUT_LOW, CUT_HIGH = 0.6, 0.75

# How far back Joblogic's prefix may start before a phrase.
_PREFIX_REACH = 300
# Incomplete exact messages per text whose missing values the approximate rung may read.
_COMPLETIONS = 8
_SOME_WORDING = 12  # characters beside a message found in part that may be its other part
# What may stand between two phrases of one message: "transaction. The", " - ", "; ", "\n",
# or the glue of escaped JSON Xero splits it into: '.\"}, {\"Message\": \"'.
_JOIN = re.compile(r"(?:[\s.;,:'\"\\{}\[\]\-\u2010-\u2015]|message){0,40}")
_CUT_MARKS = re.compile(r"\.\.\.|\u2026|[\"\r\n]")


class PatternSource(Protocol):
    """What the diagnosis needs of an error entry (`bot.kb.source.ErrorEntry` has it)."""

    @property
    def id(self) -> str:
        """The error's slug, e.g. ``tax-type-invalid``."""

    @property
    def number(self) -> int:
        """The error's number in the help guide."""

    @property
    def prefix(self) -> str | None:
        """Joblogic's line prefix template, e.g. ``Invoice: {invoice_number} -``."""

    @property
    def phrases(self) -> Sequence[str]:
        """Xero's wording as templates; each one alone identifies the error."""


@dataclass(frozen=True)
class Match:
    """One error found in a text, with the values it names.

    ``count`` is how many times this error appeared with these values; ``span`` and ``line``
    (1-based) locate its first appearance in the text; ``truncated`` says the message was cut
    off; ``how`` is the rung that recognised it: ``"exact"`` or ``"approximate"``.
    """

    error_id: str
    confidence: float
    values: dict[str, str] = field(default_factory=dict, hash=False)
    count: int = 1
    truncated: bool = False
    span: tuple[int, int] = (0, 0)
    line: int = 1
    how: str = EXACT

    @property
    def sure(self) -> bool:
        """Whether the match may be asserted: exact, or approximate with the assert confidence.

        An approximate match below it is put to the customer as a question, never asserted.
        """
        return self.how == EXACT or self.confidence >= ASSERT_CONFIDENCE

    def to_json(self) -> dict[str, Any]:
        """Return the match as JSON-ready data: error id, confidence, values and rung (``how``)."""
        return {
            "error_id": self.error_id,
            "confidence": self.confidence,
            "values": dict(self.values),
            "how": self.how,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Match:
        """Return the match `to_json` gave (e.g. passed on in Rasa's parse data)."""
        return cls(
            error_id=str(data["error_id"]),
            confidence=float(data["confidence"]),
            values={str(k): str(v) for k, v in (data.get("values") or {}).items()},
            how=str(data.get("how") or EXACT),
        )


@dataclass(frozen=True)
class _Error:
    id: str
    number: int
    prefix: Template | None
    before: re.Pattern[str] | None  # the prefix, ending where a phrase starts
    size: int  # how many phrases
    names: frozenset[str] = frozenset()  # the placeholders of its prefix and phrases
    phrase_names: frozenset[str] = frozenset()  # ... of its phrases
    lead: str = ""  # the literal start of its prefix, lower case ("invoice:")


@dataclass(frozen=True)
class _Phrase:
    error: _Error
    index: int
    template: Template


@dataclass(slots=True)
class _Hit:
    phrase: _Phrase
    start: int
    end: int
    values: dict[str, str]
    coverage: float | None = None  # set when the phrase is cut off

    @property
    def truncated(self) -> bool:
        return self.coverage is not None


@dataclass(slots=True)
class _Occurrence:
    error: _Error
    confidence: float
    values: dict[str, str]
    truncated: bool
    start: int  # offsets in the original text
    end: int
    how: str = EXACT
    phrases: frozenset[int] = frozenset()  # the error's phrases it has whole


class Diagnoser:
    """Recognises sync errors in text; build it once, use it for many texts."""

    def __init__(self, entries: Iterable[PatternSource], kinds: ValueKinds | None = None) -> None:
        """Compile the phrases and prefixes of ``entries``.

        ``kinds`` says what values look like and where Xero's replies give them (the project's
        registry of value kinds by default).
        """
        self._kinds = kinds = kinds or value_kinds()
        errors: list[_Error] = []
        phrases: list[_Phrase] = []
        for entry in sorted(entries, key=lambda e: e.number):
            if any(e.id == entry.id for e in errors):
                raise ValueError(f"error {entry.id!r} given twice")
            if not entry.phrases:
                raise ValueError(f"error {entry.id!r} has no phrases")
            prefix = Template(entry.prefix, kinds) if entry.prefix else None
            before = re.compile(prefix.pattern + r"[\s'\"]*\Z") if prefix else None
            templates = [Template(p, kinds) for p in entry.phrases]
            phrase_names = frozenset(n for t in templates for n in t.names)
            names = phrase_names | (frozenset(prefix.names) if prefix else frozenset())
            lead = entry.prefix.split("{")[0].strip().lower() if entry.prefix else ""
            error = _Error(
                entry.id,
                entry.number,
                prefix,
                before,
                len(entry.phrases),
                names,
                phrase_names,
                lead,
            )
            errors.append(error)
            phrases += (_Phrase(error, i, t) for i, t in enumerate(templates))
        self._errors = tuple(errors)
        self._phrases = tuple(phrases)
        # Phrases grouped by their anchor word: one cheap `in` test rules out a whole group.
        by_anchor: dict[str, list[_Phrase]] = {}
        for phrase in phrases:
            by_anchor.setdefault(phrase.template.anchor, []).append(phrase)
        self._by_anchor = tuple((anchor, tuple(group)) for anchor, group in by_anchor.items())
        self._approximate = Approximate(
            [
                Candidate(
                    e.id,
                    e.prefix,
                    tuple(p.template for p in phrases if p.error is e),
                )
                for e in errors
            ],
            kinds,
        )
        self._by_id = {e.id: e for e in errors}

    @property
    def error_ids(self) -> tuple[str, ...]:
        """Return the ids of the errors this diagnoser recognises, by number."""
        return tuple(e.id for e in self._errors)

    @property
    def approximate(self) -> Approximate:
        """Return the approximate rung, to measure it (`diagnose` climbs to it when needed)."""
        return self._approximate

    def diagnose(self, text: str) -> list[Match]:
        """Return the errors found in ``text``, best first; one per error and distinct values.

        The exact rung runs first; the approximate rung only when it finds nothing.
        """
        occurrences, pieces = self._occurrences(text)
        if not occurrences:
            occurrences = self._approximately(pieces)
        else:
            occurrences = self._completed(occurrences, text)
        return _collapse(occurrences, text)

    def diagnose_exactly(self, text: str) -> list[Match]:
        """Return what the exact rung alone finds in ``text`` (as `diagnose`, without guessing)."""
        return _collapse(self._occurrences(text)[0], text)

    def _occurrences(self, text: str) -> tuple[list[_Occurrence], list[_Piece]]:
        """Return the exact occurrences in ``text`` and the pieces it was read in."""
        envelopes = find_envelopes(text, self._kinds)
        scanned = text
        if envelopes:
            pieces, done = [], 0
            for envelope in envelopes:  # blank them out; their messages are read below
                pieces += [text[done : envelope.start], "\x1f" * (envelope.end - envelope.start)]
                done = envelope.end
            scanned = "".join([*pieces, text[done:]])
        whole = normalise(scanned)
        read = [_Piece(whole, None, {}, None)]
        occurrences = self._scan(whole)
        for envelope in envelopes:
            lead = normalise(text[max(0, envelope.start - _PREFIX_REACH) : envelope.start])
            for message in envelope.messages:
                source = normalise(message.text)
                place = (envelope.start, envelope.end)
                read.append(_Piece(source, lead, message.values, place))
                for occurrence in self._scan(source, lead, message.values):
                    occurrences.append(replace(occurrence, start=place[0], end=place[1]))
        return occurrences, read

    def _approximately(self, pieces: list[_Piece]) -> list[_Occurrence]:
        """Return what the approximate rung finds in the pieces the exact rung read."""
        occurrences = []
        for piece in pieces:
            for found in self._approximate.find(piece.source):
                start, end = piece.place or piece.source.span(found.start, found.end)
                occurrences.append(
                    _Occurrence(
                        self._by_id[found.error_id],
                        found.confidence,
                        {**found.prefix_values, **piece.known, **found.values},
                        found.truncated,
                        start,
                        end,
                        APPROXIMATE,
                    )
                )
        return occurrences

    def _completed(self, occurrences: list[_Occurrence], text: str) -> list[_Occurrence]:
        """Read the values a message found only in part lacks from its mistyped other part.

        When one sentence of a message is exact and the other mistyped ("The TaxType code X
        does not exist ... The TaxType code X cannot be used with acount code 200"), the
        approximate rung reads what the mistyped one holds (the account code) and Joblogic's
        prefix. It runs only where the text next to the part found looks like the rest of
        the message, for a few messages per text, so a log or a chatty paste stays cheap.
        """
        partial = {
            id(o)
            for o in occurrences
            if len(o.phrases) < o.error.size and o.error.names - o.values.keys()
        }
        if not partial:  # the usual case: every message found whole, or all its values read
            return occurrences
        ordered = sorted(occurrences, key=lambda o: o.start)
        completed = []
        looks, budget = _COMPLETIONS * 4, _COMPLETIONS
        for i, occurrence in enumerate(ordered):
            error = occurrence.error
            missing = error.names - occurrence.values.keys()
            if looks and budget and id(occurrence) in partial:
                looks -= 1
                # The rest of its line (within reach), up to the messages either side.
                before = ordered[i - 1].end if i else 0
                after = ordered[i + 1].start if i + 1 < len(ordered) else len(text)
                reach = max(before, occurrence.start - _PREFIX_REACH)
                start = max(reach, text.rfind("\n", reach, occurrence.start) + 1)
                reach = min(after, occurrence.end + _PREFIX_REACH)
                end = text.find("\n", occurrence.end, reach)
                end = reach if end < 0 else end
                beside = text[start : occurrence.start] + "\n" + text[occurrence.end : end]
                # Worth a look only if a value it lacks belongs to wording it lacks, or its
                # prefix stands beside it, and the text beside has some of that wording.
                if (
                    (missing & error.phrase_names or error.lead and error.lead in beside.lower())
                    and len(beside.strip()) >= _SOME_WORDING
                    and self._approximate.mentions(beside, error.id)
                ):
                    budget -= 1
                    occurrence = self._complete(occurrence, beside)
            completed.append(occurrence)
        return completed

    def _complete(self, occurrence: _Occurrence, beside: str) -> _Occurrence:
        """Return ``occurrence`` with the values its other phrases hold in ``beside``."""
        error = occurrence.error
        others = [i for i in range(error.size) if i not in occurrence.phrases]
        extra = self._approximate.complete(normalise(beside), error.id, others)
        return replace(occurrence, values={**extra, **occurrence.values}) if extra else occurrence

    def _scan(
        self,
        source: Normalised,
        lead: Normalised | None = None,
        known: dict[str, str] | None = None,
    ) -> list[_Occurrence]:
        """Find every exact occurrence in ``source``; their spans are in its original.

        Args:
            source: the normalised text to search.
            lead: the text just before it, where Joblogic's prefix may be.
            known: values from around the text (an envelope's record fields).
        """
        text = source.text
        folded = fold(text)
        hits: list[_Hit] = []
        cut_ends: list[int] | None = None
        present = [group for anchor, group in self._by_anchor if anchor in folded]
        for phrase in (phrase for group in present for phrase in group):
            template = phrase.template
            whole = [
                _Hit(phrase, m.start(), m.end(), template.values(m, source))
                for m in template.regex.finditer(folded)
            ]
            hits += whole
            if template.start is None:
                continue
            spans = iter(whole)
            current = next(spans, None)
            for start in template.start.finditer(folded):
                while current is not None and current.end <= start.start():
                    current = next(spans, None)
                if current is not None and current.start <= start.start():
                    continue  # part of a whole match
                if cut_ends is None:
                    cut_ends = [m.start() for m in _CUT_MARKS.finditer(folded)] + [len(text)]
                reach = cut_ends[bisect.bisect_left(cut_ends, start.end())]
                if reach - start.start() > template.reach:
                    continue  # no end of line or text near enough for it to be cut off
                cut = template.cut(folded, source, start)
                if cut is not None:
                    hits.append(_Hit(phrase, start.start(), cut.end, cut.values, cut.coverage))
        occurrences = self._group(source, folded, _outermost(hits), lead, known or {})
        if source.unchanged:
            return occurrences
        return [
            replace(o, start=(span := source.span(o.start, o.end))[0], end=span[1])
            for o in occurrences
        ]

    def _group(
        self,
        source: Normalised,
        folded: str,
        hits: list[_Hit],
        lead: Normalised | None,
        known: dict[str, str],
    ) -> list[_Occurrence]:
        """Join the phrases of one message into one occurrence and read its prefix."""
        groups: list[list[_Hit]] = []
        for hit in hits:
            last = groups[-1][-1] if groups else None
            if (
                last is not None
                and last.phrase.error is hit.phrase.error
                and not last.truncated
                and all(h.phrase.index != hit.phrase.index for h in groups[-1])
                and _JOIN.fullmatch(folded, last.end, hit.start)
                and _agree(_merged(groups[-1]), hit.values)
            ):
                groups[-1].append(hit)
            else:
                groups.append([hit])
        occurrences = []
        previous_end = 0
        for group in groups:
            first = group[0]
            prefix = None
            error = first.phrase.error
            if error.before is not None and error.prefix is not None:
                begin = max(previous_end, first.start - _PREFIX_REACH)
                found = error.before.search(folded, begin, first.start)
                if found is not None:
                    prefix = error.prefix.values(found, source)
                elif previous_end == 0 and lead is not None and lead.original:
                    # The prefix may stand before the envelope this text came from.
                    start = source.span(0, first.start)[1]
                    joined = normalise((lead.original + source.original[:start])[-_PREFIX_REACH:])
                    found = error.before.search(fold(joined.text))
                    prefix = error.prefix.values(found, joined) if found else None
            occurrences.append(_occurrence(group, known, prefix))
            previous_end = group[-1].end
        return occurrences


class _Piece(NamedTuple):
    """A text the exact rung read: the whole paste, or a message of one of its envelopes."""

    source: Normalised
    lead: Normalised | None  # the text before the envelope
    known: dict[str, str]  # the envelope's record fields
    place: tuple[int, int] | None  # the envelope's span in the paste


def _occurrence(
    group: list[_Hit], known: dict[str, str], prefix: dict[str, str] | None
) -> _Occurrence:
    """Return the occurrence a group of hits makes, with the values of its ``prefix`` if any.

    Its values, by precedence: the phrases', then ``known`` ones, then the prefix's.
    """
    error = group[0].phrase.error
    values = {**(prefix or {}), **known, **_merged(group)}
    prefixed = prefix is not None
    whole = {h.phrase.index for h in group if not h.truncated}
    cut = [h.coverage for h in group if h.coverage is not None]
    if whole and not cut:
        complete = prefixed or len(whole) == error.size
        confidence = COMPLETE if complete else ONE_PHRASE
    elif whole:
        confidence = CUT_AFTER_PHRASE
    else:
        share = (max(cut) - MIN_COVERAGE) / (1 - MIN_COVERAGE)
        confidence = round(CUT_LOW + (CUT_HIGH - CUT_LOW) * min(1.0, max(0.0, share)), 2)
    return _Occurrence(
        error, confidence, values, bool(cut), group[0].start, group[-1].end, EXACT, frozenset(whole)
    )


def _outermost(hits: list[_Hit]) -> list[_Hit]:
    """Drop hits lying inside a longer one (whole before cut-off); return them in order."""
    hits.sort(key=lambda h: (h.start, h.start - h.end, h.truncated))
    kept: list[_Hit] = []
    reach = -1
    for hit in hits:
        if hit.end <= reach:
            continue
        kept.append(hit)
        reach = max(reach, hit.end)
    return kept


def _merged(group: list[_Hit]) -> dict[str, str]:
    values: dict[str, str] = {}
    for hit in group:
        for name, value in hit.values.items():
            values.setdefault(name, value)
    return values


def _agree(a: dict[str, str], b: dict[str, str]) -> bool:
    return all(a[name] == value for name, value in b.items() if name in a)


class _Lines:
    """Line numbers of offsets in a text, found by bisection."""

    def __init__(self, text: str) -> None:
        self._breaks = [m.start() for m in re.finditer("\n", text)]

    def number(self, offset: int) -> int:
        return bisect.bisect_left(self._breaks, offset) + 1


def _collapse(occurrences: list[_Occurrence], text: str) -> list[Match]:
    """Count repeats of the same error with the same values; return matches best first."""
    groups: dict[tuple[str, frozenset[tuple[str, str]]], list[_Occurrence]] = {}
    for occurrence in sorted(occurrences, key=lambda o: o.start):
        key = (occurrence.error.id, frozenset(occurrence.values.items()))
        groups.setdefault(key, []).append(occurrence)
    # An occurrence with fewer values than exactly one other of its error is that one again,
    # e.g. a cut-off copy, or a bare message pasted beside its full log line. Each key is
    # filed under every proper subset of its values (a message has a handful), so finding the
    # wider keys of a key is one look-up, not a pass over all of them.
    per_error: dict[str, int] = {}
    for error_id, _ in groups:
        per_error[error_id] = per_error.get(error_id, 0) + 1
    wider: dict[
        tuple[str, frozenset[tuple[str, str]]], list[tuple[str, frozenset[tuple[str, str]]]]
    ]
    wider = {}
    for key in groups:
        error_id, items = key
        if per_error[error_id] > 1:  # most texts have one set of values per error
            for subset in _proper_subsets(items):
                wider.setdefault((error_id, subset), []).append(key)
    if wider:
        for key in sorted(groups, key=lambda k: len(k[1])):
            candidates = wider.get(key, [])
            if len(candidates) == 1:
                groups[candidates[0]] += groups.pop(key)
    lines = _Lines(text)
    matches = []
    for (error_id, values), members in groups.items():
        best = max(members, key=lambda o: o.confidence)
        first = min(members, key=lambda o: o.start)
        matches.append(
            Match(
                error_id=error_id,
                confidence=best.confidence,
                values=dict(sorted(values)),
                count=len(members),
                truncated=best.truncated,
                span=(first.start, first.end),
                line=lines.number(first.start),
                how=best.how,
            )
        )
    matches.sort(key=lambda m: (-m.confidence, m.span[0]))
    return matches


def _proper_subsets(items: frozenset[tuple[str, str]]) -> list[frozenset[tuple[str, str]]]:
    """Return every subset of ``items`` but itself (items are the few values of one message)."""
    ordered = sorted(items)
    return [
        frozenset(item for bit, item in enumerate(ordered) if mask >> bit & 1)
        for mask in range((1 << len(ordered)) - 1)
    ]
