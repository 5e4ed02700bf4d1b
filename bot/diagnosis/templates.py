"""Compile the knowledge base's message templates into regular expressions.

A template is Xero's or Joblogic's wording with ``{placeholders}``. Compiled, it ignores case,
lets any run of whitespace (line breaks too) stand between words, accepts values quoted the way
Xero quotes them, and can also recognise its own beginning cut off at the end of a line or text.

Patterns run on the `normalise` d text `fold` ed to lower case, not with ``re.IGNORECASE``:
that keeps Python's fast literal-prefix search (ten times quicker on a long log). Folding keeps
every offset, and the normalised text maps back to the original, so values are read from the
customer's text as written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise

from bot.diagnosis.normalise import Normalised
from bot.diagnosis.values import QUOTE, value_pattern
from bot.kb.value_kinds import ValueKinds, value_kinds

__all__ = ["Cut", "Template", "fold", "unquoted"]

#: A truncated phrase must keep this share of its literal text...
MIN_COVERAGE = 0.6
#: ...and end inside a word with at least this many of its letters...
MIN_PARTIAL = 3
#: ...or, cut between words, keep this share.
BOUNDARY_COVERAGE = 0.8
#: The distinctive start a truncated phrase must have whole: at least this many literal chars.
MIN_START = 10

_PART = re.compile(r"\{(\w+)\}|(\w+)|(\S)")
# Punctuation that pasted text often swaps for a look-alike; "£" may be missing or another sign.
# A colon read from a screenshot (JPEG, serif fonts) often comes out as a semicolon.
_MARKS = {
    "-": "[\\-\u2010-\u2015]",
    ":": "[:;]",
    "'": "['\u2018\u2019]",
    '"': '["\u201c\u201d]',
    "£": "[£$€]?",
}
# Where a cut-off message can end: end of text or line, an ellipsis, or a closing quote.
_CUT_END = r"(?=[ \t]*(?:\.\.\.|\u2026|[\"\r\n]|\Z))"


@dataclass(frozen=True)
class _Token:
    kind: str  # "word", "mark" or "value"
    text: str  # the literal text, or the placeholder's name
    spaced: bool  # whitespace before it in the template
    shape: str = ""  # a value's regex (from the registry of value kinds)
    bounded: str = ""  # a wider regex for the value when the template's wording follows it

    @property
    def literal(self) -> int:
        return 0 if self.kind == "value" else len(self.text)

    def pattern(self, before_wording: bool = False) -> str:
        if self.kind == "value":
            if before_wording and self.bounded:
                # Tried only when the value's own shape fails: "code GST on Income does not
                # exist" is read whole because the wording must follow it.
                return f"{QUOTE}?((?:{self.shape})|(?:{self.bounded})){QUOTE}?"
            return f"{QUOTE}?({self.shape}){QUOTE}?"
        if self.kind == "mark":
            return _MARKS.get(self.text, re.escape(self.text))
        return re.escape(self.text.lower())

    def partial(self) -> str:
        """Return a pattern for a strict beginning of this token (one group: its letters)."""
        if self.kind == "value":
            return f"(){QUOTE}?(?:{self.shape})?"
        chars = [_MARKS.get(c, re.escape(c)) for c in self.text.lower()[:-1]]
        nested = ""
        for char in reversed(chars):
            nested = f"(?:{char}{nested})?"
        return f"({nested})"


@dataclass(frozen=True)
class Cut:
    """A phrase cut off before its end: where it stops, its values so far, how much is there."""

    end: int
    values: dict[str, str]
    coverage: float


class Template:
    """One template compiled for searching, with what it takes to spot it cut off."""

    def __init__(self, text: str, kinds: ValueKinds | None = None) -> None:
        """Compile ``text``, its values shaped as ``kinds`` (the project's registry) says.

        Raise ``ValueError`` if it has nothing to match.
        """
        self.text = text
        self.tokens = _tokenize(text, kinds)
        if not self.tokens:
            raise ValueError(f"template {text!r} is empty")
        self.names = tuple(t.text for t in self.tokens if t.kind == "value")
        self.literal = sum(t.literal for t in self.tokens)
        seps = ["", *(_separator(a, b) for a, b in pairwise(self.tokens))]
        if len(seps) > 1 and self.tokens[-1].kind == "value":
            # Nothing after a closing value confirms it, so it must be on the same line: the
            # next line of a log is not the value ("account code \n2024-05-01 10:00 INFO").
            seps[-1] = seps[-1].replace(r"\s", r"[^\S\r\n]")
        parts = [
            t.pattern(before_wording=following.kind == "word")
            for t, following in pairwise([*self.tokens, _Token("end", "", False)])
        ]
        first, last = self.tokens[0], self.tokens[-1]
        if first.kind == "word":
            # A whole word: "(?<!\w)" after the first word, not before it, so the pattern still
            # starts with a literal and gets the fast prefix search.
            word = re.escape(first.text.lower())
            parts[0] = f"{word}(?<!\\w{word})"
        tail = r"(?!\w)" if last.kind == "word" else ""
        #: The template's pattern, without look-arounds, for embedding in a larger one.
        self.pattern = "".join(s + t.pattern() for s, t in zip(seps, self.tokens, strict=True))
        #: Matches the whole template in `fold` ed text.
        self.regex = re.compile("".join(s + p for s, p in zip(seps, parts, strict=True)) + tail)
        self._steps = tuple(
            re.compile(s + p + (tail if i == len(parts) - 1 else ""))
            for i, (s, p) in enumerate(zip(seps, parts, strict=True))
        )
        self._partials = tuple(re.compile(r"\s*" + t.partial() + _CUT_END) for t in self.tokens)
        self._start_size = size = _start_size(self.tokens)
        #: Matches the distinctive start of the template, or None if it is too short to cut.
        self.start = (
            re.compile("".join(s + p for s, p in zip(seps[:size], parts[:size], strict=True)))
            if size < len(self.tokens)
            else None
        )
        start_words = [t.text.lower() for t in self.tokens[: self._start_size] if t.kind == "word"]
        #: A lowercase word every match (whole or cut) contains: a cheap test before searching.
        self.anchor = max(start_words, key=len, default="")
        #: The most characters a cut-off match can span (a bound, to skip hopeless starts).
        self.reach = 2 * self.literal + 4 * len(self.tokens) + 130 * len(self.names) + 40

    def values(self, match: re.Match[str], source: Normalised) -> dict[str, str]:
        """Return the values of ``match`` (of a pattern of this template in ``source.text``)."""
        found: dict[str, str] = {}
        # A `start` match has groups for only the first few placeholders.
        for group, name in enumerate(self.names[: len(match.groups())], start=1):
            if match.start(group) != -1:
                start, end = unquoted(source.text, match.start(group), match.end(group))
                value = source.text[start:end] if source.unchanged else source.value(start, end)
                found.setdefault(name, value)
        return found

    def cut(self, folded: str, source: Normalised, start: re.Match[str]) -> Cut | None:
        """Follow a ``start`` match; return a `Cut` if the text ends before the template does.

        Args:
            folded: ``fold(source.text)``, where ``start`` was found.
            source: the normalised text, to read values from.
            start: a match of `start`.
        """
        values = self.values(start, source)
        pos = start.end()
        solid = sum(t.literal for t in self.tokens[: self._start_size])
        for index in range(self._start_size, len(self.tokens)):
            token = self.tokens[index]
            step = self._steps[index].match(folded, pos)
            if step:
                pos = step.end()
                solid += token.literal
                if token.kind == "value":
                    values.setdefault(token.text, source.value(step.start(1), step.end(1)))
                continue
            end = self._partials[index].match(folded, pos)
            if end is None:
                return None
            partial = len(end.group(1))
            coverage = (solid + partial) / self.literal
            if partial >= MIN_PARTIAL and coverage >= MIN_COVERAGE:
                return Cut(end.end(), values, coverage)
            if solid / self.literal >= BOUNDARY_COVERAGE:
                return Cut(end.start(1), values, solid / self.literal)
            return None
        return None  # all of it is there: a whole match, not a cut one


def fold(text: str) -> str:
    """Return ``text`` in lower case with every character at the same offset."""
    folded = text.lower()
    if len(folded) == len(text):
        return folded
    # A few characters lower to two ("İ" -> "i̇"); leave those as they are.
    return "".join(low if len(low := c.lower()) == 1 else c for c in text)


def _tokenize(text: str, kinds: ValueKinds | None) -> tuple[_Token, ...]:
    registry = kinds or value_kinds()
    tokens = []
    for found in _PART.finditer(text):
        spaced = found.start() > 0 and text[found.start() - 1].isspace()
        name, word, mark = found.groups()
        if name is not None:
            shape, bounded = value_pattern(name, registry), registry.bounded(name) or ""
            tokens.append(_Token("value", name, spaced, shape, bounded))
        elif word is not None:
            tokens.append(_Token("word", word, spaced))
        else:
            tokens.append(_Token("mark", mark, spaced))
    return tuple(tokens)


def _separator(before: _Token, after: _Token) -> str:
    if after.spaced and before.kind != "mark" and after.kind != "mark":
        return r"\s+"
    return r"\s*"


def _start_size(tokens: tuple[_Token, ...]) -> int:
    literal = 0
    for size, token in enumerate(tokens, start=1):
        literal += token.literal
        if size >= 2 and literal >= MIN_START:
            return size
    return len(tokens)


# Opening quote -> its closing quote, for values (account names) that may contain apostrophes.
_CLOSING_QUOTE = {"'": "'", '"': '"', "`": "`", "\u2018": "\u2019", "\u201c": "\u201d"}


def unquoted(text: str, start: int, end: int) -> tuple[int, int]:
    """Return the span of the value at ``start:end``, less a closing quote it swallowed."""
    closer = _CLOSING_QUOTE.get(text[start - 1]) if start > 0 else None
    if closer and end - start > 1 and text[end - 1] == closer:
        return start, end - 1
    return start, end
