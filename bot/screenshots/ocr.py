"""Read the words of a prepared screenshot with Tesseract, keeping each word's confidence.

Tesseract runs in-process through tesserocr (no process per image). One engine is made lazily,
on first use, and reused under a lock: its models take ~0.1 s to load and an engine is not
thread-safe. Its English data comes from Debian's ``tesseract-ocr-eng`` (``scripts/setup-ocr``);
``SYNCDESK_TESSDATA`` names another tessdata folder.
"""

from __future__ import annotations

import glob
import os
import threading
from dataclasses import dataclass
from typing import Any

from PIL import Image

from bot.screenshots.layout import Box, arrange
from bot.settings import Settings

__all__ = ["OcrUnavailable", "Reading", "Word", "read_line", "read_words", "tessdata_path"]

_DEBIAN_TESSDATA = "/usr/share/tesseract-ocr/*/tessdata"
# A runner-up character this confident (0-100) is a reading the customer may be asked about.
_CHOICE = 10.0


class OcrUnavailable(RuntimeError):
    """Tesseract or its English data is not installed (run ``scripts/setup-ocr``)."""


@dataclass(frozen=True)
class Word:
    """One word read, where it stands in `Reading.text`, and Tesseract's confidence (0-100)."""

    text: str
    confidence: float
    start: int
    end: int
    # Other characters Tesseract weighed for some of its own: (index in text, character,
    # confidence 0-100).
    choices: tuple[tuple[int, str, float], ...] = ()
    # Tesseract's confidence (0-100) in each of its characters.
    sureness: tuple[float, ...] = ()
    box: tuple[int, int, int, int] = (0, 0, 0, 0)  # left, top, right, bottom in the image read

    def confidence_of(self, start: int, end: int) -> float:
        """Return the least confidence of the word's characters at ``start:end`` of the text."""
        inside = self.sureness[max(start - self.start, 0) : max(end - self.start, 0)]
        return min(inside, default=self.confidence)


@dataclass(frozen=True)
class Reading:
    """The text read from a screenshot, line by line, and the words it is made of."""

    text: str
    words: tuple[Word, ...]

    def words_in(self, start: int, end: int) -> list[Word]:
        """Return the words that overlap characters ``start:end`` of the text."""
        return [w for w in self.words if w.start < end and w.end > start]


def tessdata_path() -> str:
    """Return the tessdata folder holding ``eng.traineddata``, or raise `OcrUnavailable`."""
    configured = Settings.from_env().tessdata
    debian = sorted(glob.glob(_DEBIAN_TESSDATA), reverse=True)
    candidates = [str(configured)] if configured else debian
    for folder in candidates:
        if os.path.isfile(os.path.join(folder, "eng.traineddata")):
            return folder.rstrip("/") + "/"
    raise OcrUnavailable(
        "Tesseract's English data is missing: run scripts/setup-ocr "
        "(Debian's tesseract-ocr-eng) or set SYNCDESK_TESSDATA"
    )


class _Engine:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._api: Any = None

    def read(self, image: Image.Image, line: bool = False) -> Reading:
        import tesserocr

        with self._lock:
            api = self._api or self._start()
            api.SetPageSegMode(tesserocr.PSM.SINGLE_LINE if line else tesserocr.PSM.AUTO)
            api.SetImage(image)
            api.Recognize()
            return _assemble(api)

    def _start(self) -> Any:
        try:
            import tesserocr
        except ImportError as problem:  # the venv predates the dependency
            raise OcrUnavailable("tesserocr is not installed: run make setup") from problem
        self._api = tesserocr.PyTessBaseAPI(
            path=tessdata_path(),
            lang="eng",
            psm=tesserocr.PSM.AUTO,
            oem=tesserocr.OEM.LSTM_ONLY,
        )
        # A screenshot's page is one resolution; saying so stops Tesseract guessing from the size.
        self._api.SetVariable("user_defined_dpi", "144")
        # Keep the LSTM's runner-up characters (0 or O?) to ask the customer about.
        self._api.SetVariable("lstm_choice_mode", "2")
        return self._api


_ENGINE = _Engine()


def read_words(image: Image.Image) -> Reading:
    """Return the text Tesseract reads in ``image`` (prepared by `bot.screenshots.image`)."""
    return _ENGINE.read(image)


def read_line(image: Image.Image) -> Reading:
    """Return the text of ``image`` read as one line (a second look at a few words)."""
    return _ENGINE.read(image, line=True)


def _assemble(api: Any) -> Reading:
    """Return the words of the page, each with the other characters Tesseract weighed."""
    import tesserocr

    symbol, word, line = tesserocr.RIL.SYMBOL, tesserocr.RIL.WORD, tesserocr.RIL.TEXTLINE
    boxes: list[Box] = []
    iterator = api.GetIterator()
    if iterator is None:
        return Reading(text="", words=())
    line_number = 0
    text: list[str] = []
    choices: list[tuple[int, str, float]] = []
    sureness: list[float] = []
    start: tuple[float, tuple[int, int, int, int]] | None = None

    def close() -> None:
        if start and "".join(text).strip():
            confidence, (left, top, right, bottom) = start
            read = "".join(text)
            place = (left, top, right, bottom, line_number)
            boxes.append(
                Box(read, confidence, *place, choices=tuple(choices), sureness=tuple(sureness))
            )

    for glyph in tesserocr.iterate_level(iterator, symbol):
        if glyph.IsAtBeginningOf(word):
            close()
            text, choices, sureness = [], [], []
            box = glyph.BoundingBox(word)
            start = (float(glyph.Confidence(word)), box) if box else None
            if glyph.IsAtBeginningOf(line):
                line_number += 1
        try:
            char = glyph.GetUTF8Text(symbol) or ""
        except RuntimeError:  # tesserocr's "No text returned": a page without text
            continue
        for choice in glyph.GetChoiceIterator():
            other = choice.GetUTF8Text()
            if other and other != char and len(other) == 1 and choice.Confidence() >= _CHOICE:
                choices.append((len(text), other, float(choice.Confidence())))
        text.append(char)
        sureness.extend([float(glyph.Confidence(symbol))] * len(char))
    close()
    return _write(arrange(boxes))


def _write(blocks: list[list[list[Box]]]) -> Reading:
    """Write the blocks as text: a blank line between blocks, wrapped lines joined again.

    A line the browser wrapped (the next line's first word would not have fitted after it)
    goes on with a space, or with nothing after a hyphen (``JOB-`` / ``368-3``: browsers only
    break after hyphens that are there); a line that ended short was a real line break.
    """
    parts: list[str] = []
    words: list[Word] = []
    size = 0
    for block in blocks:
        glue = "\n\n" if words else ""
        right = max(box.right for line in block for box in line)
        for number, line in enumerate(block):
            for box in line:
                parts.append(glue)
                size += len(glue)
                parts.append(box.text)
                words.append(
                    Word(box.text, box.confidence, size, size + len(box.text), box.choices,
                         box.sureness, (box.left, box.top, box.right, box.bottom))
                )
                size += len(box.text)
                glue = " "
            if number + 1 < len(block):
                glue = _line_break(line, block[number + 1][0], right)
    return Reading(text="".join(parts), words=tuple(words))


def _line_break(line: list[Box], next_word: Box, right: int) -> str:
    """Return what joins a line to the next one of its block: a space, nothing, or a newline."""
    last = line[-1]
    char = (last.right - last.left) / max(len(last.text), 1)
    wrapped = last.right + char + (next_word.right - next_word.left) > right - char
    if not wrapped:
        return "\n"
    return "" if len(last.text) > 1 and last.text.endswith("-") else " "
