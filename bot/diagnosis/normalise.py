"""Normalise pasted text for matching, keeping the way back to what the customer wrote.

Text pasted from e-mails, web pages and PDFs carries characters that look like plain text but
are not: zero-width spaces, soft hyphens and direction marks (Unicode format characters),
HTML entities (``&#39;``, ``&nbsp;``, ``&amp;``), typographic quotes and dashes, exotic spaces,
fullwidth forms and Cyrillic or Greek letters drawn like Latin ones. `normalise` returns the
text the engine matches on, where each of those is replaced by its plain form (format
characters dropped, entities decoded, NFKC applied, look-alikes mapped), with a map back to
the original text.

Values are read from the original, as the customer wrote them, minus what was never visible
or never theirs: format characters are dropped, HTML entities decoded and any space made a
plain one. So an invoice number with a zero-width space inside comes out without it, and
``Sales &amp; Marketing`` as ``Sales & Marketing``; anything else visible (typographic
quotes, fullwidth digits, a Cyrillic letter) is kept as written.

Everything is done with ``str.translate`` and one regular expression, so a megabyte of any
text normalises in milliseconds; the map back is built only when a value or span is read.
"""

from __future__ import annotations

import bisect
import functools
import html
import re
import unicodedata

__all__ = ["Normalised", "normalise"]

# An HTML entity, named or numeric, possibly escaped twice ("&amp;#39;").
_ENTITY = re.compile(r"&(?:amp;)*(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_DOUBLE_ESCAPE = re.compile(r"\A&(?:amp;)+(?=[#A-Za-z])")
# A change of length: (text start, text length, original start, original length).
_Unit = tuple[int, int, int, int]

_CYRILLIC = "аеорсухіјѕԁԛԝАВЕКМНОРСТХІЈЅУ"
_CYRILLIC_AS = "aeopcyxijsdqwABEKMHOPCTXIJSY"
_GREEK = "ΑΒΕΖΗΙΚΜΝΟΡΤΥΧοικνρυαı"
_GREEK_AS = "ABEZHIKMNOPTYXoikvpuai"
# Look-alikes NFKC leaves alone: quotes, dashes, line separators, and letters of other scripts
# drawn like Latin ones (in a pasted sync error a homoglyph is never meant).
_LOOK_ALIKES = {
    **dict.fromkeys("\u2018\u2019\u201a\u201b\u2032\u02bc\u00b4\u0060", "'"),
    **dict.fromkeys("\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb", '"'),
    **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u2043\ufe58\ufe63", "-"),
    **dict.fromkeys("\u2028\u2029\u0085", "\n"),
    **dict(zip(_CYRILLIC + _GREEK, _CYRILLIC_AS + _GREEK_AS, strict=True)),
}
# Invisible characters outside category Cf: a combining grapheme joiner, Hangul fillers and
# variation selectors.
_INVISIBLE = frozenset("\u034f\u115f\u1160\u3164\uffa0" + "".join(map(chr, range(0xFE00, 0xFE10))))


def normalise(text: str) -> Normalised:
    """Return ``text`` normalised for matching, with its map back to ``text``."""
    if text.isascii() and "&" not in text:
        return Normalised(text, text)
    decoded = _ENTITY.sub(_decoded_entity, text) if "&" in text else text
    table = {ord(c): _plain(c) for c in set(decoded) if not c.isascii()}
    table = {code: plain for code, plain in table.items() if plain != chr(code)}
    if not table and decoded is text:
        return Normalised(text, text)
    return Normalised(decoded.translate(table), text, table)


class Normalised:
    """A text normalised for matching (``text``) and the way back to ``original``.

    Offsets into ``text`` map to ``original`` with `span`; `value` reads a value as written.
    """

    __slots__ = ("text", "original", "unchanged", "_table", "_map")

    def __init__(self, text: str, original: str, table: dict[int, str] | None = None) -> None:
        """Pair ``text`` with the ``original`` it came from (``table``: characters changed)."""
        self.text = text
        self.original = original
        #: Whether normalising changed nothing (the text is the original).
        self.unchanged = text is original
        self._table = table or {}
        # (text starts, units), built on first use: most texts never need it.
        self._map: tuple[list[int], list[_Unit]] | None = None

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Return the span of the original that ``text[start:end]`` came from."""
        if self.unchanged:
            return start, end
        begin = self._start(start)
        return begin, max(begin, self._end(end)) if end > start else begin

    def value(self, start: int, end: int) -> str:
        """Return the original of ``text[start:end]`` as written, less what is invisible."""
        if self.unchanged:
            return self.original[start:end]
        begin, stop = self.span(start, end)
        return as_written(self.original[begin:stop])

    def _start(self, offset: int) -> int:
        starts, units = self._index()
        i = bisect.bisect_right(starts, offset) - 1
        if i < 0:
            return offset
        n_start, n_len, o_start, o_len = units[i]
        if offset < n_start + n_len:  # inside a replaced unit: all of it
            return o_start
        return o_start + o_len + offset - n_start - n_len

    def _end(self, offset: int) -> int:
        if offset <= 0:
            return 0
        starts, units = self._index()
        i = bisect.bisect_right(starts, offset - 1) - 1
        if i < 0:
            return offset
        n_start, n_len, o_start, o_len = units[i]
        if offset - 1 < n_start + n_len:
            return o_start + o_len
        return o_start + o_len + offset - n_start - n_len

    def _index(self) -> tuple[list[int], list[_Unit]]:
        if self._map is None:
            units = _units(self.original, self._table)
            self._map = ([u[0] for u in units], units)
        return self._map


def as_written(raw: str) -> str:
    """Return ``raw`` with entities decoded, invisible characters dropped, spaces plain."""
    if "&" in raw:
        raw = _ENTITY.sub(_decoded_entity, raw)
    if raw.isascii():
        return raw
    return "".join(
        " " if unicodedata.category(c) == "Zs" else c for c in raw if not _is_invisible(c)
    )


def _units(original: str, table: dict[int, str]) -> list[_Unit]:
    """Return the (text start, text length, original start, original length) of each change.

    Only changes that alter the length are units; between them the texts match one to one.
    """
    irregular = "".join(chr(code) for code, plain in table.items() if len(plain) != 1)
    pattern = _ENTITY.pattern
    if irregular:
        pattern += "|[" + re.escape(irregular) + "]+"
    units: list[_Unit] = []
    shift = 0  # text offset minus original offset so far
    for found in re.finditer(pattern, original):
        chunk, start = found.group(), found.start()
        if chunk[0] == "&":
            plain = _decoded_entity(found).translate(table)
            if plain == chunk:
                continue  # not an entity html knows: kept as it is
            units.append((start + shift, len(plain), start, len(chunk)))
            shift += len(plain) - len(chunk)
        elif all(not table[ord(c)] for c in chunk):  # a run of invisible characters
            units.append((start + shift, 0, start, len(chunk)))
            shift -= len(chunk)
        else:
            for i, char in enumerate(chunk):
                plain = table[ord(char)]
                units.append((start + i + shift, len(plain), start + i, 1))
                shift += len(plain) - 1
    return units


def _decoded_entity(found: re.Match[str]) -> str:
    entity = _DOUBLE_ESCAPE.sub("&", found.group())
    decoded = html.unescape(entity)
    return found.group() if decoded == entity else decoded


@functools.lru_cache(maxsize=8192)
def _plain(char: str) -> str:
    """Return the plain form of one non-ASCII character ('' if it is invisible)."""
    if char in _LOOK_ALIKES:
        return _LOOK_ALIKES[char]
    if _is_invisible(char):
        return ""
    compatible = unicodedata.normalize("NFKC", char)
    if compatible != char:
        return "".join(_LOOK_ALIKES.get(c, c) for c in compatible if not _is_invisible(c))
    if unicodedata.category(char) == "Zs":
        return " "
    return char


def _is_invisible(char: str) -> bool:
    return char in _INVISIBLE or (not char.isascii() and unicodedata.category(char) == "Cf")
