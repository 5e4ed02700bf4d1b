"""Write an error's wording the ways customers mangle it, to test and calibrate recognition.

`variant(entry, kind, rng)` returns the error's Joblogic line (its prefix and phrases, with
generated values) changed one way, and the values a correct diagnosis must read from it:

* ``typo``: one or two of its words mistyped (one or two keystrokes each);
* ``reorder``: its clauses in another order;
* ``missing``: a clause left out, or a few words of a one-clause message;
* ``cut``: cut off after 60-95% of its wording, at a word break or inside a word;
* ``ellipsis``: cut off with an ellipsis, or its middle elided (``A … B``);
* ``character``: pasted through HTML, a PDF or a phone: entities, typographic quotes,
  invisible characters, exotic spaces, fullwidth colons, Cyrillic look-alikes;
* ``fragment``: most of one phrase, lower case, typed into a description of the problem.

Nothing here names an error: the variants come from the entries' data.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from bot.kb.value_kinds import ValueKinds, value_kinds

__all__ = ["KINDS", "Variant", "Wording", "clauses_of", "variant"]

KINDS = ("typo", "reorder", "missing", "cut", "ellipsis", "character", "fragment")

_PLACEHOLDER = re.compile(r"\{(\w+)\}")
_WORD = re.compile(r"\{\w+\}|[A-Za-z]+")  # placeholders first, so their words are skipped
# Keys next to each other on a QWERTY keyboard: the typos fingers make.
_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
_NEIGHBOURS = {
    c: "".join(
        row[j]
        for r, row in enumerate(_ROWS)
        for j in range(len(row))
        if abs(r - i) <= 1 and abs(j - row_pos) <= 1 and row[j] != c
    )
    for i, keys in enumerate(_ROWS)
    for row_pos, c in enumerate(keys)
}
_LOOK_ALIKES = {"a": "а", "e": "е", "o": "о", "p": "р", "c": "с", "x": "х", "i": "і", "y": "у"}
_INVISIBLE = ("\u200b", "\u00ad", "\u200e", "\u200f", "\ufeff", "\u2060")


class Wording(Protocol):
    """What a variant needs of an error entry (`bot.kb.source.ErrorEntry` has it)."""

    @property
    def prefix(self) -> str | None:
        """Joblogic's line prefix template."""

    @property
    def phrases(self) -> Sequence[str]:
        """Xero's wording as templates."""


@dataclass(frozen=True)
class Variant:
    """A mangled message and the values a diagnosis must read from it exactly."""

    kind: str
    text: str
    values: dict[str, str]


def clauses_of(phrases: Sequence[str]) -> list[str]:
    """Return the clauses of ``phrases``: each phrase split at its `` - `` breaks."""
    return [c for p in phrases for c in p.split(" - ") if c.strip()]


def variant(
    entry: Wording, kind: str, rng: random.Random, kinds: ValueKinds | None = None
) -> Variant | None:
    """Return ``entry``'s line mangled as ``kind`` says, or None if that kind doesn't apply.

    Its values are the ``examples`` of ``kinds`` (the project's registry of value kinds).
    """
    kinds = kinds or value_kinds()
    values = {k.name: rng.choice(k.examples) for k in kinds}
    clauses = clauses_of(entry.phrases)
    prefix = entry.prefix
    if kind == "typo":
        return _typo(prefix, clauses, values, rng)
    if kind == "reorder":
        if len(clauses) < 2:
            return None
        shuffled = clauses[:]
        while shuffled == clauses:
            rng.shuffle(shuffled)
        return _line(kind, prefix, shuffled, values)
    if kind == "missing":
        return _missing(prefix, clauses, values, rng)
    if kind in ("cut", "ellipsis"):
        return _cut(kind, prefix, clauses, values, rng)
    if kind == "character":
        quoted = tuple(k.name for k in kinds if k.quoted_by_xero)
        return _characters(prefix, clauses, values, rng, quoted)
    if kind == "fragment":
        return _fragment(entry.phrases, values, rng)
    raise ValueError(f"unknown kind of variant {kind!r}")


def _line(kind: str, prefix: str | None, clauses: list[str], values: dict[str, str]) -> Variant:
    template = " - ".join(clauses) if len(clauses) > 1 else clauses[0]
    if prefix:
        template = f"{prefix} {template}"
    return Variant(kind, _fill(template, values), _named(template, values))


def _typo(
    prefix: str | None, clauses: list[str], values: dict[str, str], rng: random.Random
) -> Variant:
    words = [(i, m.span()) for i, c in enumerate(clauses) for m in _WORD.finditer(c)]
    words = [
        (i, span) for i, span in words if span[1] - span[0] >= 4 and clauses[i][span[0]] != "{"
    ]
    chosen = sorted(rng.sample(words, min(len(words), rng.randint(1, 2))), reverse=True)
    changed = clauses[:]
    for i, (start, end) in chosen:  # from the end, so earlier spans stay put
        clause = changed[i]
        changed[i] = clause[:start] + _mistype(clause[start:end], rng) + clause[end:]
    return _line("typo", prefix, changed, values)


def _mistype(word: str, rng: random.Random) -> str:
    """Return ``word`` with one or two slips of the finger, never in its first letter."""
    for _ in range(2 if len(word) >= 8 and rng.random() < 0.3 else 1):
        i = rng.randrange(1, len(word))
        char = word[i].lower()
        slip = rng.choice(("delete", "double", "swap", "neighbour"))
        if slip == "delete":
            word = word[:i] + word[i + 1 :]
        elif slip == "double":
            word = word[:i] + word[i] + word[i:]
        elif slip == "swap" and i + 1 < len(word):
            word = word[:i] + word[i + 1] + word[i] + word[i + 2 :]
        else:
            word = word[:i] + rng.choice(_NEIGHBOURS.get(char, "e")) + word[i + 1 :]
    return word


def _missing(
    prefix: str | None, clauses: list[str], values: dict[str, str], rng: random.Random
) -> Variant:
    if len(clauses) > 1:
        kept = clauses[:]
        del kept[rng.randrange(len(kept))]
        return _line("missing", prefix, kept, values)
    words = clauses[0].split(" ")
    droppable = [i for i, w in enumerate(words) if i > 0 and not w.startswith("{")]
    for i in sorted(rng.sample(droppable, min(len(droppable) // 4 or 1, 2)), reverse=True):
        del words[i]
    return _line("missing", prefix, [" ".join(words)], values)


def _cut(
    kind: str,
    prefix: str | None,
    clauses: list[str],
    values: dict[str, str],
    rng: random.Random,
) -> Variant:
    template = f"{prefix} " if prefix else ""
    body = " - ".join(clauses)
    middle = kind == "ellipsis" and len(body) > 40 and rng.random() < 0.5
    if middle:  # "A … B": the start and the end, the middle elided
        words = body.split(" ")
        head = max(2, int(len(words) * rng.uniform(0.35, 0.5)))
        tail = max(2, int(len(words) * rng.uniform(0.25, 0.35)))
        if head + tail < len(words):
            body = (
                " ".join(words[:head])
                + rng.choice([" … ", " ... ", "… "])
                + " ".join(words[-tail:])
            )
            full = template + body
            return Variant(kind, _fill(full, values), _named(full, values))
    share = rng.uniform(0.6, 0.95)
    end = int(len(body) * share)
    # Never inside a placeholder: a value cut off is not a value to read.
    opened = body.rfind("{", 0, end)
    if opened > body.rfind("}", 0, end):
        end = opened
    cut = body[:end].rstrip(" -")
    if kind == "ellipsis":
        cut += rng.choice(["…", "...", " ..."])
    full = template + cut
    return Variant(kind, _fill(full, values), _named(full, values))


def _characters(
    prefix: str | None,
    clauses: list[str],
    values: dict[str, str],
    rng: random.Random,
    quoted_by_xero: tuple[str, ...],
) -> Variant:
    plain = _line("character", prefix, clauses, values)
    template = f"{prefix} " if prefix else ""
    template += " - ".join(clauses)
    # The wording's own characters: look-alike letters and invisible ones inside words.
    wording = [
        lambda t: "".join(_LOOK_ALIKES.get(c, c) if rng.random() < 0.15 else c for c in t),
        lambda t: _sprinkle(t, rng),
    ]
    for change in rng.sample(wording, rng.randint(1, 2)):
        parts = _PLACEHOLDER.split(template)  # text, name, text, name, ..., text
        template = "".join(
            "{" + part + "}" if odd else change(part) for odd, part in _alternate(parts)
        )
    # Values as pasted: an invisible character inside, an ampersand HTML-escaped.
    pasted = {
        name: (
            value[:1] + rng.choice(_INVISIBLE) + value[1:] if rng.random() < 0.3 else value
        ).replace("&", "&amp;")
        for name, value in values.items()
    }
    text = _fill(template, pasted)
    quote = rng.choice(["\u2018{}\u2019", "&#39;{}&#39;", "\u201c{}\u201d", "&quot;{}&quot;"])
    for name in quoted_by_xero:
        if name in plain.values:  # Xero quotes codes in its own wording
            quoted = quote.format(pasted[name]).replace("\\", "\\\\")
            text = re.sub(rf"(?<=code ){re.escape(pasted[name])}(?!\w)", quoted, text)
    spacing = [
        lambda t: t.replace(" ", rng.choice(["\u00a0", "&nbsp;", "\u2009", "\u3000"]), 3),
        lambda t: t.replace(": ", "\uff1a ", 1),
        lambda t: t.replace(" - ", rng.choice([" \u2013 ", " \u2014 ", " &#8211; "]), 1),
        lambda t: "\u200e" + t + "\u200f",
    ]
    for change in rng.sample(spacing, 2):
        text = change(text)
    return Variant("character", text, plain.values)


def _alternate(parts: list[str]) -> list[tuple[bool, str]]:
    return [(i % 2 == 1, part) for i, part in enumerate(parts)]


def _sprinkle(text: str, rng: random.Random) -> str:
    """Put invisible characters inside a few words (and values)."""
    out = []
    for char in text:
        out.append(char)
        if char.isalnum() and rng.random() < 0.06:
            out.append(rng.choice(_INVISIBLE))
    return "".join(out)


def _fragment(phrases: Sequence[str], values: dict[str, str], rng: random.Random) -> Variant:
    phrase = max(phrases, key=len) if rng.random() < 0.7 else rng.choice(list(phrases))
    words = [w for w in phrase.split(" ") if w != "-"]
    tail = rng.choice([" on my invoice", " when i sync", "", " again today", "?"])
    if len(words) > 6:  # a long phrase loses words at its ends and a short one inside
        words = words[rng.randint(0, 1) :]
        cut = rng.randint(0, 2)
        if cut:
            words = words[:-cut]
            tail = rng.choice([", ", " - ", ". ", "... "]) + tail.lstrip(" ?")
        small = [i for i, w in enumerate(words) if 0 < i < len(words) - 1 and len(w) <= 2]
        for i in sorted(rng.sample(small, min(len(small), rng.randint(0, 2))), reverse=True):
            del words[i]
    picked = " ".join(w if w.startswith("{") else w.lower() for w in words)
    picked = _PLACEHOLDER.sub(lambda m: m.group() if rng.random() < 0.5 else "", picked)
    picked = re.sub(r"\s+", " ", picked).strip()
    lead = rng.choice(["xero says ", "getting ", "sync fails - ", "it keeps saying ", ""])
    template = lead + picked + tail
    # Values survive in the text only where their placeholder was kept.
    return Variant("fragment", _fill(template, values), _named(template, values))


def _fill(template: str, values: dict[str, str]) -> str:
    return _PLACEHOLDER.sub(lambda m: values[m.group(1)], template)


def _named(template: str, values: dict[str, str]) -> dict[str, str]:
    return {name: values[name] for name in _PLACEHOLDER.findall(template)}
