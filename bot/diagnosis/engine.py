"""Recognise the knowledge base's sync errors in text a customer pastes, and read their values.

A `Diagnoser` is built once from the error entries: each entry's ``phrases`` (Xero's wording;
any one alone identifies the error) and its optional Joblogic line ``prefix`` are compiled
into patterns. Nothing here is specific to one error: a new entry in the data is recognised
as it is. Matching ignores case and spacing, accepts Xero's quoted values, reads Xero's JSON
envelopes (whole, embedded or cut off), and takes the values of the entry's prefix when it
stands right before the phrase, as in ``Invoice: INV-0042 - Invoice # must be unique``.

Confidence scale (``Match.confidence``):

* **1.0**: a complete message: every phrase of the error, or Joblogic's prefix + a phrase.
* **0.9**: one phrase whole but alone (e.g. one sentence of a two-sentence message).
* **0.8**: a phrase whole, but the message is cut off inside the next one.
* **0.6-0.75**: only a cut-off phrase (``truncated``), scaled by how much of its wording is
  there; it needs its distinctive start and at least 60% of its literal text.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from bot.diagnosis.envelope import find_envelopes
from bot.diagnosis.templates import MIN_COVERAGE, Template, fold

__all__ = ["Diagnoser", "Match", "PatternSource"]

COMPLETE = 1.0
ONE_PHRASE = 0.9
CUT_AFTER_PHRASE = 0.8
CUT_LOW, CUT_HIGH = 0.6, 0.75

# How far back Joblogic's prefix may start before a phrase.
_PREFIX_REACH = 300
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
    (1-based) locate its first appearance; ``truncated`` says the message was cut off.
    """

    error_id: str
    confidence: float
    values: dict[str, str] = field(default_factory=dict, hash=False)
    count: int = 1
    truncated: bool = False
    span: tuple[int, int] = (0, 0)
    line: int = 1

    def to_json(self) -> dict[str, Any]:
        """Return the match as JSON-ready data: ``error_id``, ``confidence`` and ``values``."""
        return {
            "error_id": self.error_id,
            "confidence": self.confidence,
            "values": dict(self.values),
        }


@dataclass(frozen=True)
class _Error:
    id: str
    number: int
    prefix: Template | None
    before: re.Pattern[str] | None  # the prefix, ending where a phrase starts
    size: int  # how many phrases


@dataclass(frozen=True)
class _Phrase:
    error: _Error
    index: int
    template: Template


@dataclass(frozen=True)
class _Hit:
    phrase: _Phrase
    start: int
    end: int
    values: dict[str, str]
    coverage: float | None = None  # set when the phrase is cut off

    @property
    def truncated(self) -> bool:
        return self.coverage is not None


@dataclass(frozen=True)
class _Occurrence:
    error: _Error
    confidence: float
    values: dict[str, str]
    truncated: bool
    start: int
    end: int


class Diagnoser:
    """Recognises sync errors in text; build it once, use it for many texts."""

    def __init__(self, entries: Iterable[PatternSource]) -> None:
        """Compile the phrases and prefixes of ``entries``."""
        errors: list[_Error] = []
        phrases: list[_Phrase] = []
        for entry in sorted(entries, key=lambda e: e.number):
            if any(e.id == entry.id for e in errors):
                raise ValueError(f"error {entry.id!r} given twice")
            if not entry.phrases:
                raise ValueError(f"error {entry.id!r} has no phrases")
            prefix = Template(entry.prefix) if entry.prefix else None
            before = re.compile(prefix.pattern + r"[\s'\"]*\Z") if prefix else None
            error = _Error(entry.id, entry.number, prefix, before, len(entry.phrases))
            errors.append(error)
            phrases += (_Phrase(error, i, Template(p)) for i, p in enumerate(entry.phrases))
        self._errors = tuple(errors)
        self._phrases = tuple(phrases)
        # Phrases grouped by their anchor word: one cheap `in` test rules out a whole group.
        by_anchor: dict[str, list[_Phrase]] = {}
        for phrase in phrases:
            by_anchor.setdefault(phrase.template.anchor, []).append(phrase)
        self._by_anchor = tuple((anchor, tuple(group)) for anchor, group in by_anchor.items())
        prefixes = {e.prefix.pattern for e in errors if e.prefix}
        self._line_prefix = (
            re.compile("|".join(f"(?:{p})" for p in sorted(prefixes)) + r"[ \t]*\S")
            if prefixes
            else None
        )

    @classmethod
    def from_entries(cls, entries: Iterable[PatternSource]) -> Diagnoser:
        """Build a diagnoser from error entries (only ``id, number, prefix, phrases`` are used)."""
        return cls(entries)

    @property
    def error_ids(self) -> tuple[str, ...]:
        """Return the ids of the errors this diagnoser recognises, by number."""
        return tuple(e.id for e in self._errors)

    def diagnose(self, text: str) -> list[Match]:
        """Return the errors found in ``text``, best first; one per error and distinct values."""
        return _collapse(self._occurrences(text), text)

    def unrecognised(self, text: str) -> list[str]:
        """Return lines with a Joblogic record prefix but a message no known error explains."""
        if self._line_prefix is None:
            return []
        lines = _Lines(text)
        covered: set[int] = set()
        for occurrence in self._occurrences(text):
            first, last = lines.number(occurrence.start), lines.number(occurrence.end)
            covered.update(range(first, last + 1))
        found: list[str] = []
        folded = fold(text).splitlines()
        for number, line in enumerate(text.splitlines(), start=1):
            if number not in covered and self._line_prefix.search(folded[number - 1]):
                if line.strip() not in found:
                    found.append(line.strip())
        return found

    def _occurrences(self, text: str) -> list[_Occurrence]:
        envelopes = find_envelopes(text)
        scanned = text
        if envelopes:
            pieces, done = [], 0
            for envelope in envelopes:  # blank them out; their messages are read below
                pieces += [text[done : envelope.start], "\x1f" * (envelope.end - envelope.start)]
                done = envelope.end
            scanned = "".join([*pieces, text[done:]])
        occurrences = self._scan(scanned)
        for envelope in envelopes:
            lead = text[max(0, envelope.start - _PREFIX_REACH) : envelope.start]
            for message in envelope.messages:
                for occurrence in self._scan(message.text, lead, message.values):
                    occurrences.append(replace(occurrence, start=envelope.start, end=envelope.end))
        return occurrences

    def _scan(
        self, text: str, lead: str = "", known: dict[str, str] | None = None
    ) -> list[_Occurrence]:
        """Find every occurrence in ``text``.

        Args:
            text: the text to search.
            lead: the text just before it, where Joblogic's prefix may be.
            known: values from around the text (an envelope's record fields).
        """
        folded = fold(text)
        hits: list[_Hit] = []
        cut_ends: list[int] | None = None
        present = [group for anchor, group in self._by_anchor if anchor in folded]
        for phrase in (phrase for group in present for phrase in group):
            template = phrase.template
            whole = [
                _Hit(phrase, m.start(), m.end(), template.values(m, text))
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
                cut = template.cut(folded, text, start)
                if cut is not None:
                    hits.append(_Hit(phrase, start.start(), cut.end, cut.values, cut.coverage))
        return self._group(text, folded, _outermost(hits), lead, known or {})

    def _group(
        self, text: str, folded: str, hits: list[_Hit], lead: str, known: dict[str, str]
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
            if first.phrase.error.prefix is not None:
                begin = max(previous_end, first.start - _PREFIX_REACH)
                window, folded_window = text[begin : first.start], folded[begin : first.start]
                if previous_end == 0 and lead:
                    window = (lead + window)[-_PREFIX_REACH:]
                    folded_window = fold(window)
                prefix = _prefix_values(first.phrase.error, window, folded_window)
            occurrences.append(_occurrence(group, known, prefix))
            previous_end = group[-1].end
        return occurrences


def _prefix_values(error: _Error, window: str, folded: str) -> dict[str, str] | None:
    """Return the values of the error's prefix if it ends ``window``; None if it doesn't."""
    if error.before is None or error.prefix is None:
        return None
    found = error.before.search(folded)
    return error.prefix.values(found, window) if found else None


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
    return _Occurrence(error, confidence, values, bool(cut), group[0].start, group[-1].end)


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
    groups: dict[tuple[str, tuple[tuple[str, str], ...]], list[_Occurrence]] = {}
    for occurrence in sorted(occurrences, key=lambda o: o.start):
        key = (occurrence.error.id, tuple(sorted(occurrence.values.items())))
        groups.setdefault(key, []).append(occurrence)
    # An occurrence with fewer values than exactly one other of its error is that one again,
    # e.g. a cut-off copy, or a bare message pasted beside its full log line.
    keys = sorted(groups, key=lambda k: len(k[1]))
    for key in keys:
        wider = [
            other
            for other in groups
            if other[0] == key[0] and other != key and set(key[1]) < set(other[1])
        ]
        if len(wider) == 1:
            groups[wider[0]] += groups.pop(key)
    lines = _Lines(text)
    matches = []
    for (error_id, values), members in groups.items():
        best = max(members, key=lambda o: o.confidence)
        first = min(members, key=lambda o: o.start)
        matches.append(
            Match(
                error_id=error_id,
                confidence=best.confidence,
                values=dict(values),
                count=len(members),
                truncated=best.truncated,
                span=(first.start, first.end),
                line=lines.number(first.start),
            )
        )
    matches.sort(key=lambda m: (-m.confidence, m.span[0]))
    return matches
