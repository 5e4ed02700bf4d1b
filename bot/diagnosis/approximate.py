"""Recognise the knowledge base's errors in wording close to theirs but not exact.

The approximate rung runs only when the exact one finds nothing. It looks for each error's
fixed wording (its phrases, split into clauses at `` - `` and sentence ends) the way customers
mangle it: words mistyped (``exsist``, ``Acount``), clauses reordered or left out, the message
cut off or elided with ``…``, or a fragment typed into a description (``account code not valid
for this document``). It refuses look-alikes: another Xero message that shares most words with
one of ours differs in the words that matter, and those are charged for.

How a text is scored against an error:

1. **Prefilter.** An error is considered only if one of its phrases has enough (`PREFILTER`)
   of its content words' letter trigrams in the text, and could still reach `ACCEPT` if every
   word of it the text has lined up: most texts stop here, after a few set and dict look-ups.
2. **Words.** Each word of the text is matched to the phrases' words: exactly, with a typo
   (OSA distance 1 for words of 4-7 letters, 2 for longer ones, same first letter, letters
   only; quality `TYPO_QUALITY`), or, just before the end of the text or an ellipsis, as the
   beginning of a cut-off word. A word weighs its length (at most 10); function words
   (`STOP_WORDS`) weigh 1.
3. **Alignment.** Each clause is aligned to the text: the best run of its words in order,
   charged `INSERT` x the weight of foreign words inside it (values are free).
4. **Similarity of a phrase**: the weight of its words found (x their quality), less charges,
   over the weight of all its words. A word missing where the customer elided (``…``), or cut
   off at the end of a Joblogic line that has the error's prefix, counts half. A word missing
   where other words stand instead (``Contact Name`` for ``Account Number``, ``is not`` for
   ``must be``) is charged again, `EDGE` x its weight: that is what refuses look-alikes.
5. **Score of an error**: its phrases with similarity >= `FLOOR` (not overlapping) are
   independent evidence, combined as 1 - Π(1 - similarity); the error's Joblogic prefix just
   before them adds `PREFIX_EVIDENCE` the same way.

An error is reported when its score reaches `ACCEPT`. Its confidence maps the score onto the
engine's scale: `ACCEPT`..`ASSERT` -> 0.60..0.85 (confirm it with the customer in one
question), `ASSERT`..1 -> 0.85..0.95 (assert it). A message cut off or elided stays below
0.85, and the approximate rung never gives the exact rung's 1.0. `ACCEPT` and `ASSERT` were
chosen with ``bench/approximate_calibration.py``, which measures recall on generated variants
of the errors against false claims on real Xero messages that are not ours
(``tests/diagnosis/data/near_misses.yml``).

Values are read as the exact rung reads them: from the error's Joblogic prefix before the
wording, and from the placeholders' places in the aligned clauses, with `values`'s shapes.

Cost is bounded and linear: only the first `SPAN` characters are read, in segments of at most
`SEGMENT` characters (a short text is one segment, a long one is read line by line).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import accumulate

from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.diagnosis.normalise import Normalised, normalise
from bot.diagnosis.templates import Template, fold, unquoted
from bot.diagnosis.values import QUOTE, value_pattern
from bot.kb.value_kinds import ValueKinds, value_kinds

__all__ = [
    "ACCEPT",
    "APPROXIMATE",
    "ASSERT",
    "EXACT",
    "Approximate",
    "Candidate",
    "Found",
]

#: `Match.how` of the two rungs.
EXACT, APPROXIMATE = "exact", "approximate"

#: Lowest score reported.
ACCEPT = 0.8
#: Score from which the error is asserted (confidence 0.85) rather than confirmed.
ASSERT = 0.9
CONFIRM_CONFIDENCE, ASSERT_CONFIDENCE, TOP_CONFIDENCE = 0.6, 0.85, 0.95

#: Share of a phrase's content trigrams a text needs for the phrase to be considered.
PREFILTER = 0.3
#: Quality of a word with no, one or two typos.
TYPO_QUALITY = (1.0, 0.85, 0.75)
#: Charge for a foreign word inside an aligned clause, per unit of its weight.
INSERT = 0.5
#: Charge for a word of ours replaced by other words, per unit of its weight.
EDGE = 1.0
#: Share of the weight a word missing at an ellipsis or a cut-off line still counts.
EXCUSED = 0.5
#: Lowest similarity of a phrase that counts as evidence.
FLOOR = 0.35
#: Evidence of the error's Joblogic prefix standing right before its wording.
PREFIX_EVIDENCE = 0.3
#: Characters read, and the longest segment scored at once.
SPAN, SEGMENT = 8000, 800

#: Words that say little about which error it is.
STOP_WORDS = frozenset(
    "a an and any are as at be been by can does for from has have i in is it must my no not of "
    "on only or our please that the there this to was we were will with you your".split()
)

# Clause boundaries in a template: " - " and sentence ends.
_CLAUSE_MARKS = frozenset("-.;")
# Words, "#", ellipses, strong punctuation (and dashes standing alone), line breaks.
_TOKEN = re.compile(r"(\.{2,})|([^\W_]+|#)|([.;:!?,\"(){}\[\]|<>]|(?<!\S)-+(?!\S))|(\n)")
_WORD, _ELLIPSIS, _MARK, _LINE = 0, 1, 2, 3
_KIND_OF_GROUP = {1: _ELLIPSIS, 2: _WORD, 3: _MARK, 4: _LINE}
_LINE_TEXT = re.compile(r"[^\n]+")
_WORDS = re.compile(r"[^\W_]+|#")
_PREFIX_GAP = 80  # how far before the wording the prefix may end
_MAX_HITS = 400  # word matches per clause and segment, so any text stays linear
_CACHE_SIZE = 20_000


@dataclass(frozen=True)
class Candidate:
    """An error as the approximate rung needs it: id, Joblogic prefix and phrases."""

    id: str
    prefix: Template | None
    phrases: tuple[Template, ...]


@dataclass(frozen=True)
class Found:
    """An error found approximately, with its values and where it is in the text."""

    error_id: str
    score: float
    confidence: float
    values: dict[str, str]
    prefix_values: dict[str, str]
    truncated: bool
    start: int  # offsets in the normalised text
    end: int


@dataclass(frozen=True)
class _Item:
    word: str  # the folded word, or "" for a placeholder
    name: str = ""  # the placeholder's name
    weight: float = 0.0


@dataclass(frozen=True)
class _Clause:
    items: tuple[_Item, ...]
    positions: dict[str, tuple[int, ...]]  # word -> its indices in items
    words: frozenset[str]


@dataclass(frozen=True)
class _PhraseModel:
    clauses: tuple[_Clause, ...]
    grams: frozenset[str]
    words: dict[str, tuple[float, int]]  # word -> (its weight, how often the phrase has it)
    weight: float


@dataclass(frozen=True)
class _ErrorModel:
    id: str
    prefix: Template | None
    prefix_regex: re.Pattern[str] | None
    phrases: tuple[_PhraseModel, ...]


@dataclass
class _Segment:
    """The tokens of one segment of the text, and what they match."""

    source: Normalised
    folded: str
    kinds: list[int]
    starts: list[int]
    ends: list[int]
    cum: list[float]  # cumulated weight of the word tokens (values weigh nothing)
    previous_break: list[int]  # index of the nearest non-word token at or before each token
    next_break: list[int]  # ... at or after each token (len(kinds) when none)
    matches: dict[str, list[tuple[int, float]]] = field(default_factory=dict)


@dataclass(frozen=True)
class _Aligned:
    numerator: float
    denominator: float
    first: int  # token indices
    last: int
    matched: dict[int, int]  # item index -> token index
    incomplete: bool


@dataclass(frozen=True)
class _Evidence:
    similarity: float
    first: int
    last: int
    clauses: tuple[tuple[_Clause, _Aligned], ...]
    incomplete: bool
    phrase: _PhraseModel


class Approximate:
    """Finds the errors' wording approximately; build it once per diagnoser."""

    def __init__(self, candidates: Sequence[Candidate], kinds: ValueKinds | None = None) -> None:
        """Model the phrases of ``candidates``; ``kinds`` shapes their values (see `Template`)."""
        self._kinds = kinds
        self._errors = tuple(_model(c) for c in candidates)
        self._vocabulary = sorted(
            {w for e in self._errors for p in e.phrases for c in p.clauses for w in c.words}
        )
        self._known = frozenset(self._vocabulary)
        self._cache: dict[str, tuple[tuple[str, float], ...]] = {}
        prefixes = sorted({e.prefix.pattern for e in self._errors if e.prefix})
        self._any_prefix = re.compile("|".join(f"(?:{p})" for p in prefixes)) if prefixes else None
        self._slots: dict[str, re.Pattern[str]] = {}
        self._guards: dict[str, re.Pattern[str]] = {}
        # Trigram -> the phrases (by index) that have it, for the prefilter.
        phrases = [(e.id, p) for e in self._errors for p in e.phrases]
        self._need = [PREFILTER * len(p.grams) for _, p in phrases]
        self._error_of = [error_id for error_id, _ in phrases]
        self._phrases_with: dict[str, list[int]] = {}
        for index, (_, phrase) in enumerate(phrases):
            for gram in phrase.grams:
                self._phrases_with.setdefault(gram, []).append(index)
        self._grams = frozenset(self._phrases_with)
        self._fewest_grams = min(self._need, default=0.0)

    def find(
        self, source: Normalised, accept: float = ACCEPT, only: str | None = None
    ) -> list[Found]:
        """Return the errors whose wording ``source`` holds approximately, in order.

        Args:
            source: the normalised text.
            accept: the lowest score to return (`ACCEPT`; lower only to measure).
            only: the id of the one error to look for, if not all of them.
        """
        folded = fold(source.text)
        errors = self._errors if only is None else [e for e in self._errors if e.id == only]
        found: list[Found] = []
        for start, end in _segments(folded):
            found += self._find_in(source, folded, start, end, errors, accept)
        return found

    def mentions(self, text: str, error_id: str) -> bool:
        """Say whether ``text`` has enough of the wording of one of ``error_id``'s phrases."""
        piece = fold(normalise(text).text)
        grams = {piece[i : i + 3] for i in range(len(piece) - 2)}
        return any(
            len(p.grams & grams) >= PREFILTER * len(p.grams)
            for e in self._errors
            if e.id == error_id
            for p in e.phrases
        )

    def _find_in(
        self,
        source: Normalised,
        folded: str,
        start: int,
        end: int,
        errors: Sequence[_ErrorModel],
        accept: float,
    ) -> list[Found]:
        masked = self._masked(folded, start, end)
        # Joblogic's prefixes are read for values, never as wording.
        piece = folded[start:end]
        if masked:
            starts = [start, *(e for _, e in masked)]
            ends = [*(b for b, _ in masked), end]
            piece = "".join(folded[a:b] for a, b in zip(starts, ends, strict=True))
        shared = {piece[i : i + 3] for i in range(len(piece) - 2)} & self._grams
        if len(shared) < self._fewest_grams:
            return []  # too little of any phrase's wording: most texts stop here
        hits = [0] * len(self._need)
        for gram in shared:
            for phrase in self._phrases_with[gram]:
                hits[phrase] += 1
        wanted = {self._error_of[i] for i, need in enumerate(self._need) if hits[i] >= need}
        candidates = [e for e in errors if e.id in wanted]
        if not candidates:
            return []
        # The words of ours the text has, and how well: an error that could not reach
        # `accept` even if they all lined up is not worth aligning.
        present: dict[str, tuple[float, int]] = {}  # word of ours -> (quality, how many)
        words = _WORDS.findall(piece)
        found = [m for w in words for m in self._word_matches(w)]
        if words:
            found += _beginnings(words[-1], self._vocabulary)
        for matched, quality in found:
            best, count = present.get(matched, (0.0, 0))
            present[matched] = (max(best, quality), count + 1)
        candidates = [e for e in candidates if _upper_bound(e, present, bool(masked)) >= accept]
        if not candidates:
            return []
        segment = self._tokens(source, folded, start, end, masked)
        scored = []
        for error in candidates:
            result = self._score(error, segment, accept)
            if result is not None and result.score >= accept:
                scored.append(result)
        kept: list[Found] = []
        for result in sorted(scored, key=lambda f: -f.score):
            if all(result.end <= k.start or result.start >= k.end for k in kept):
                kept.append(result)
        return sorted(kept, key=lambda f: f.start)

    def _tokens(
        self, source: Normalised, folded: str, start: int, end: int, masked: list[tuple[int, int]]
    ) -> _Segment:
        text = source.text
        kinds: list[int] = []
        starts: list[int] = []
        ends: list[int] = []
        weights: list[float] = []
        # The text between Joblogic's prefixes is read token by token; a prefix is one mark.
        bounds = [start, *(x for span in masked for x in span), end]
        for i in range(0, len(bounds), 2):
            for token in _TOKEN.finditer(folded, bounds[i], bounds[i + 1]):
                kind = _KIND_OF_GROUP[token.lastindex or 3]
                at, to = token.span()
                kinds.append(kind)
                starts.append(at)
                ends.append(to)
                if kind != _WORD:
                    weights.append(0.0)
                    continue
                word = folded[at:to]
                if not word.isalpha() or (to - at > 1 and text[at:to].isupper()):
                    weights.append(0.0)  # INV-0042, OUTPUT2, SALES: a value, not wording
                else:
                    weights.append(1.0 if word in STOP_WORDS else float(min(len(word), 10)))
            if i + 2 < len(bounds):
                kinds.append(_MARK)
                starts.append(bounds[i + 1])
                ends.append(bounds[i + 2])
                weights.append(0.0)
        count = len(kinds)
        if count and kinds[-1] == _WORD and ends[-1] - starts[-1] <= 2:
            weights[-1] = 0.0  # "... does not e": the stub of a cut-off word, not a word
        previous_break, last = [], -1
        for i, kind in enumerate(kinds):
            if kind != _WORD:
                last = i
            previous_break.append(last)
        next_break, following = [0] * count, count
        for i in range(count - 1, -1, -1):
            if kinds[i] != _WORD:
                following = i
            next_break[i] = following
        segment = _Segment(
            source,
            folded,
            kinds,
            starts,
            ends,
            [0.0, *accumulate(weights)],
            previous_break,
            next_break,
        )
        matches = segment.matches
        for i, kind in enumerate(kinds):
            if kind != _WORD:
                continue
            found = self._word_matches(folded[starts[i] : ends[i]])
            if i + 1 == count or kinds[i + 1] == _ELLIPSIS:  # a word the text may cut off
                found += tuple(_beginnings(folded[starts[i] : ends[i]], self._vocabulary))
            for matched, quality in found:
                if matched in matches:
                    matches[matched].append((i, quality))
                else:
                    matches[matched] = [(i, quality)]
        return segment

    def _word_matches(self, word: str) -> tuple[tuple[str, float], ...]:
        cached = self._cache.get(word)
        if cached is not None:
            return cached
        found: tuple[tuple[str, float], ...] = ()
        if word in self._known:
            found = ((word, TYPO_QUALITY[0]),)
        elif len(word) >= 3 and word.isalpha():
            near = process.extract(
                word, self._vocabulary, scorer=OSA.distance, score_cutoff=2, limit=None
            )
            found = tuple(
                (choice, TYPO_QUALITY[int(distance)])
                for choice, distance, _ in near
                if 4 <= len(choice)
                and choice.isalpha()
                and choice[0] == word[0]
                and distance <= (1 if len(choice) <= 7 else 2)
            )
        if len(self._cache) < _CACHE_SIZE:
            self._cache[word] = found
        return found

    def complete(self, source: Normalised, error_id: str, phrases: Sequence[int]) -> dict[str, str]:
        """Return the values the given phrases of ``error_id`` (and its prefix) hold in ``source``.

        For a message the exact rung found only in part: ``phrases`` are the indices of the
        phrases it did not find.
        """
        error = next(e for e in self._errors if e.id == error_id)
        folded = fold(source.text)
        values: dict[str, str] = {}
        for start, end in _segments(folded):
            segment = self._tokens(source, folded, start, end, self._masked(folded, start, end))
            found = self._score(error, segment, 0.0, phrases)
            if found is not None:
                values = {**found.prefix_values, **found.values, **values}
        return values

    def _masked(self, folded: str, start: int, end: int) -> list[tuple[int, int]]:
        """Return the spans of Joblogic's prefixes in ``folded[start:end]``."""
        region = folded[start:end]
        if self._any_prefix is None or (":" not in region and ";" not in region):
            return []
        return [m.span() for m in self._any_prefix.finditer(folded, start, end)]

    def _score(
        self,
        error: _ErrorModel,
        segment: _Segment,
        accept: float,
        only: Sequence[int] | None = None,
    ) -> Found | None:
        prefix_ends: list[tuple[int, re.Match[str]]] = []
        if error.prefix_regex is not None:
            region = segment.starts[0] if segment.starts else 0
            bound = segment.ends[-1] if segment.ends else 0
            prefix_ends = [
                (m.end(), m) for m in error.prefix_regex.finditer(segment.folded, region, bound)
            ]
        ends = [e for e, _ in prefix_ends]
        evidence = []
        for index, phrase in enumerate(error.phrases):
            if only is not None and index not in only:
                continue
            found = _phrase_evidence(phrase, segment, ends)
            if found is not None and found.similarity >= FLOOR:
                evidence.append(found)
        # Each word of the text serves one phrase: the best phrase takes its words, and a
        # phrase that wanted some of them ("The TaxType code X" starts both of error 4's) is
        # aligned again beside them.
        used: list[_Evidence] = []
        for item in sorted(evidence, key=lambda e: -e.similarity):
            if any(not (item.last < u.first or item.first > u.last) for u in used):
                again = [
                    _phrase_evidence(item.phrase, segment, ends, window)
                    for window in _free(used, len(segment.kinds))
                ]
                fits = [e for e in again if e is not None and e.similarity >= FLOOR]
                if not fits:
                    continue
                item = max(fits, key=lambda e: e.similarity)
            used.append(item)
        if not used:
            return None
        first = min(u.first for u in used)
        last = max(u.last for u in used)
        begin, finish = segment.starts[first], segment.ends[last]
        doubt = 1.0
        for item in used:
            doubt *= 1 - item.similarity
        prefix = _prefix_before(prefix_ends, begin)
        if prefix is not None:
            doubt *= 1 - PREFIX_EVIDENCE
        score = round(1 - doubt, 4)
        if score < accept:
            return Found(error.id, score, 0.0, {}, {}, False, begin, finish)
        incomplete = any(u.incomplete for u in used)
        values: dict[str, str] = {}
        for item in sorted(used, key=lambda u: u.first):
            for clause, aligned in item.clauses:
                for name, value in self._slot_values(clause, aligned, segment).items():
                    values.setdefault(name, value)
        prefix_values: dict[str, str] = {}
        if prefix is not None and error.prefix is not None:
            prefix_values = error.prefix.values(prefix, segment.source)
            begin = prefix.start()
        return Found(
            error.id,
            score,
            confidence(score, incomplete),
            values,
            prefix_values,
            incomplete,
            begin,
            finish,
        )

    def _looks_like(self, name: str, value: str) -> bool:
        """Say whether ``value`` looks as a value of ``name`` must after its wording.

        Wording found approximately stands where a label would: a value after it must look
        as the registry says one must after a label (``after_label``: a digit, say).
        """
        guard = self._guards.get(name)
        if guard is None:
            kind = (self._kinds or value_kinds()).get(name)
            guard = self._guards[name] = re.compile(kind.after_label if kind else "")
        return guard.match(value) is not None

    def _slot_values(self, clause: _Clause, aligned: _Aligned, segment: _Segment) -> dict[str, str]:
        """Read each placeholder's value just after the last word found before it."""
        values: dict[str, str] = {}
        text = segment.source.text
        taken = {segment.starts[j] for j in aligned.matched.values()}
        found_items = sorted(aligned.matched)
        for index, item in enumerate(clause.items):
            if not item.name:
                continue
            before = [i for i in found_items if i < index]
            if not before or any(clause.items[i].name for i in range(before[-1] + 1, index)):
                continue  # nothing found before it, or the text there is another value's
            after = segment.ends[aligned.matched[before[-1]]]
            later = [i for i in found_items if i > index]
            limit = segment.starts[aligned.matched[later[0]]] if later else segment.ends[-1]
            pattern = self._slots.get(item.name)
            if pattern is None:
                shape = value_pattern(item.name, self._kinds)
                pattern = re.compile(rf"\s*{QUOTE}?({shape}){QUOTE}?")
                self._slots[item.name] = pattern
            found = pattern.match(text, after, limit)
            if found is None or any(found.start(1) <= s < found.end(1) for s in taken):
                continue
            start, end = unquoted(text, found.start(1), found.end(1))
            value = fold(text[start:end])
            if start >= end or value in clause.words:
                continue  # the next word of the wording, not a value
            if not self._looks_like(item.name, segment.source.value(start, end)):
                continue  # a word of the customer's ("account code on my invoice")
            skipped = [clause.items[i].word for i in range(before[-1] + 1, index)]
            rest = [k for k, e in zip(segment.kinds, segment.ends, strict=True) if e > end]
            cut = not rest or rest[0] == _ELLIPSIS
            if cut and any(w.startswith(value) for w in skipped if w):
                continue  # "... cannot be used with a": the wording cut off, not a value
            values[item.name] = segment.source.value(start, end)
        return values


def confidence(score: float, incomplete: bool = False) -> float:
    """Return the engine's confidence for an approximate ``score`` (see the module docstring)."""
    if score >= ASSERT:
        share = (score - ASSERT) / (1 - ASSERT)
        value = ASSERT_CONFIDENCE + (TOP_CONFIDENCE - ASSERT_CONFIDENCE) * share
    else:
        share = max(0.0, score - ACCEPT) / (ASSERT - ACCEPT)
        value = CONFIRM_CONFIDENCE + (ASSERT_CONFIDENCE - CONFIRM_CONFIDENCE) * share
    if incomplete:
        value = min(value, ASSERT_CONFIDENCE - 0.01)
    return round(min(value, TOP_CONFIDENCE), 2)


def word_weight(word: str) -> float:
    """Return how much a word of the wording says about which error it is."""
    if word == "#":
        return 2.0
    return 1.0 if word in STOP_WORDS else float(min(len(word), 10))


def _model(candidate: Candidate) -> _ErrorModel:
    phrases = []
    for template in candidate.phrases:
        clauses: list[list[_Item]] = [[]]
        for token in template.tokens:
            if token.kind == "value":
                clauses[-1].append(_Item("", token.text))
            elif token.kind == "word" or token.text == "#":
                word = token.text.lower()
                clauses[-1].append(_Item(word, weight=word_weight(word)))
            elif token.text in _CLAUSE_MARKS and clauses[-1]:
                clauses.append([])
        built = []
        for items in (c for c in clauses if any(i.word for i in c)):
            positions: dict[str, list[int]] = {}
            for index, item in enumerate(items):
                if item.word:
                    positions.setdefault(item.word, []).append(index)
            built.append(
                _Clause(
                    tuple(items),
                    {w: tuple(p) for w, p in positions.items()},
                    frozenset(positions),
                )
            )
        content = {w for c in built for w in c.words if w not in STOP_WORDS and w.isalpha()}
        grams = frozenset(w[i : i + 3] for w in content for i in range(max(1, len(w) - 2)))
        words: dict[str, tuple[float, int]] = {}
        for clause in built:
            for item in clause.items:
                if item.word:
                    words[item.word] = (item.weight, words.get(item.word, (0.0, 0))[1] + 1)
        total = sum(weight * times for weight, times in words.values())
        phrases.append(_PhraseModel(tuple(built), grams, words, total))
    prefix = candidate.prefix
    regex = re.compile(prefix.pattern + r"[\s'\"]*") if prefix else None
    return _ErrorModel(candidate.id, prefix, regex, tuple(phrases))


def _upper_bound(
    error: _ErrorModel, present: dict[str, tuple[float, int]], prefixed: bool
) -> float:
    """Return about the highest score ``error`` could get: every word of it present aligned.

    Phrases can't share words of the text (their alignments don't overlap), so each takes
    the words it can from what the ones before it left.
    """
    doubt = 1.0 - PREFIX_EVIDENCE if prefixed and error.prefix_regex is not None else 1.0
    left: dict[str, int] = {}
    for phrase in sorted(error.phrases, key=lambda p: -_found(p, present, left)):
        found = _found(phrase, present, left, take=True)
        if found:
            # At best every word not found was elided, and counts half.
            doubt *= 1 - found / (found + EXCUSED * (phrase.weight - found))
    return 1 - doubt


def _found(
    phrase: _PhraseModel,
    present: dict[str, tuple[float, int]],
    used: dict[str, int],
    take: bool = False,
) -> float:
    """Return the weight of ``phrase``'s words present and not ``used`` (``take``: use them)."""
    found = 0.0
    for word, (weight, times) in phrase.words.items():
        here = present.get(word)
        if here is None:
            continue
        quality, count = here
        available = min(times, count - used.get(word, 0))
        if available > 0:
            found += weight * quality * available
            if take:
                used[word] = used.get(word, 0) + available
    return found


def _free(used: list[_Evidence], count: int) -> list[tuple[int, int]]:
    """Return the token windows no phrase in ``used`` covers."""
    windows, start = [], 0
    for item in sorted(used, key=lambda u: u.first):
        if item.first > start:
            windows.append((start, item.first - 1))
        start = max(start, item.last + 1)
    if start < count:
        windows.append((start, count - 1))
    return windows


def _phrase_evidence(
    phrase: _PhraseModel,
    segment: _Segment,
    prefix_ends: list[int],
    window: tuple[int, int] | None = None,
) -> _Evidence | None:
    numerator = denominator = 0.0
    aligned_clauses = []
    for clause in phrase.clauses:
        aligned = _align(clause, segment, prefix_ends, window)
        if aligned is None:
            denominator += sum(i.weight for i in clause.items)
            continue
        numerator += aligned.numerator
        denominator += aligned.denominator
        aligned_clauses.append((clause, aligned))
    if not aligned_clauses or denominator <= 0:
        return None
    return _Evidence(
        max(0.0, numerator) / denominator,
        min(a.first for _, a in aligned_clauses),
        max(a.last for _, a in aligned_clauses),
        tuple(aligned_clauses),
        any(a.incomplete for _, a in aligned_clauses),
        phrase,
    )


def _align(
    clause: _Clause,
    segment: _Segment,
    prefix_ends: list[int],
    window: tuple[int, int] | None = None,
) -> _Aligned | None:
    """Align ``clause`` to the segment's words (within ``window``, tokens first to last).

    The best local alignment that keeps the clause's word order.
    """
    matches = segment.matches
    low, high = window or (0, len(segment.kinds))
    hits = sorted(
        (token, index, quality)
        for word, indices in clause.positions.items()
        for token, quality in matches.get(word, ())
        if low <= token <= high
        for index in indices
    )
    if not hits:
        return None
    del hits[_MAX_HITS:]
    items = clause.items
    cum = segment.cum
    nothing = (float("-inf"), -1, -1)
    # best[i]: (the best chain ending at item i, as its value + INSERT * cum[token + 1],
    # i, its last hit). Tuples, so a tie goes to the later item: after an elision the words
    # found resume as late in the clause as they can ("Object reference not set … an object").
    best = [(float("-inf"), i, -1) for i in range(len(items))]
    scores: list[float] = []
    back: list[int] = []
    top, top_hit = 0.0, -1
    at, count = 0, len(hits)
    while at < count:
        token = hits[at][0]
        # Chains continue only from earlier tokens: read `best` before this token's updates.
        before = [nothing, *accumulate(best, max)]
        charge = INSERT * cum[token]
        updates = []
        while at < count and hits[at][0] == token:
            _, index, quality = hits[at]
            previous = before[index]
            carried = previous[0] - charge
            value = items[index].weight * quality + (carried if carried > 0 else 0.0)
            back.append(previous[2] if carried > 0 else -1)
            scores.append(value)
            updates.append((index, value, len(scores) - 1))
            if value > top:
                top, top_hit = value, len(scores) - 1
            at += 1
        reach = INSERT * cum[token + 1]
        for index, value, hit in updates:
            if value + reach > best[index][0]:
                best[index] = (value + reach, index, hit)
    if top_hit < 0:
        return None
    chain = []
    hit = top_hit
    while hit >= 0:
        chain.append(hit)
        hit = back[hit]
    matched = {hits[h][1]: hits[h][0] for h in chain}
    return _judge(clause, segment, matched, top, prefix_ends)


def _judge(
    clause: _Clause,
    segment: _Segment,
    matched: dict[int, int],
    aligned: float,
    prefix_ends: list[int],
) -> _Aligned:
    """Weigh what the alignment left out of the clause, and how."""
    items = clause.items
    order = sorted(matched)
    first_item, last_item = order[0], order[-1]
    first, last = matched[first_item], matched[last_item]
    kinds, cum = segment.kinds, segment.cum
    denominator = sum(items[i].weight for i in matched)
    charge = 0.0
    incomplete = False

    def missing(indices: range) -> float:
        return sum(items[i].weight for i in indices if items[i].word and i not in matched)

    # Before the first word found.
    lead = missing(range(first_item))
    if lead:
        stop = segment.previous_break[first - 1] if first > 0 else -1
        foreign = cum[first] - cum[stop + 1]
        if foreign:
            charge += EDGE * min(lead, foreign)
            denominator += lead
        elif stop >= 0 and kinds[stop] == _ELLIPSIS:
            denominator += EXCUSED * lead
            incomplete = True
        else:
            denominator += lead
    # After the last word found.
    tail = missing(range(last_item + 1, len(items)))
    if tail:
        stop = segment.next_break[last + 1] if last + 1 < len(kinds) else len(kinds)
        foreign = cum[stop] - cum[last + 1]
        begin = segment.starts[first]
        prefixed = any(e <= begin and begin - e <= _PREFIX_GAP for e in prefix_ends)
        if foreign:
            charge += EDGE * min(tail, foreign)
            denominator += tail
        elif stop < len(kinds) and kinds[stop] == _ELLIPSIS:
            denominator += EXCUSED * tail
            incomplete = True
        elif stop == len(kinds) and prefixed:  # a Joblogic line cut off
            denominator += EXCUSED * tail
            incomplete = True
        else:
            denominator += tail
            incomplete = incomplete or stop == len(kinds)
    # Between words found.
    for before, after in zip(order, order[1:], strict=False):
        gap = missing(range(before + 1, after))
        if not gap:
            continue
        start, end = matched[before] + 1, matched[after]
        foreign = cum[end] - cum[start]
        if foreign:
            charge += EDGE * min(gap, foreign)
            denominator += gap
        elif any(kinds[t] == _ELLIPSIS for t in range(start, end)):
            denominator += EXCUSED * gap
            incomplete = True
        else:
            denominator += gap
    return _Aligned(aligned - charge, denominator, first, last, matched, incomplete)


def _beginnings(word: str, vocabulary: list[str]) -> list[tuple[str, float]]:
    """Return the words (of the sorted ``vocabulary``) ``word`` may be the cut-off start of."""
    if len(word) < 3 or not word.isalpha():
        return []
    found = []
    for v in vocabulary[bisect.bisect_right(vocabulary, word) :]:
        if not v.startswith(word):
            break
        found.append((v, 0.5 + 0.5 * len(word) / len(v)))
    return found


def _prefix_before(
    prefix_ends: list[tuple[int, re.Match[str]]], begin: int
) -> re.Match[str] | None:
    before = [(end, m) for end, m in prefix_ends if end <= begin and begin - end <= _PREFIX_GAP]
    return max(before, key=lambda pair: pair[0])[1] if before else None


def _segments(folded: str) -> list[tuple[int, int]]:
    """Split the first `SPAN` characters into segments of at most `SEGMENT` characters."""
    limit = min(len(folded), SPAN)
    if limit <= SEGMENT:
        return [(0, limit)] if folded[:limit].strip() else []
    segments = []
    for line in _LINE_TEXT.finditer(folded, 0, limit):
        start, end = line.span()
        while end - start > SEGMENT:
            cut = folded.rfind(" ", start + SEGMENT // 2, start + SEGMENT)
            cut = cut if cut > start else start + SEGMENT
            segments.append((start, cut))
            start = cut
        if folded[start:end].strip():
            segments.append((start, end))
    return segments
