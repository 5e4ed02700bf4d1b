"""A screenshot's text through the diagnosis, and which of its values OCR may have misread.

OCR slips in the wording are absorbed by the diagnosis's approximate rung; a slip in a *value*
would be passed on to the customer's fix, so a value is only taken as read when Tesseract was
confident of each of its characters, weighed no strong runner-up for any (0 or O?), and no
character in it is a look-alike out of place (an ``O`` among digits, a ``$`` in a reference).
Otherwise the customer is asked, e.g. "Is the invoice number INV-0O42 or INV-0042?", with the
readings Tesseract weighed, before the text goes into the conversation.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from typing import Any

from PIL import Image

from bot.diagnosis import Diagnoser, Match
from bot.screenshots.image import open_image, prepare
from bot.screenshots.ocr import Reading, Word, read_line, read_words

__all__ = [
    "ScreenshotDiagnosis",
    "UncertainValue",
    "diagnose_screenshot",
    "look_alike_readings",
    "read_screenshot",
]

#: Below this confidence (Tesseract's 0-100) in any of its characters a value is not taken as read.
SURE_WORD = 80.0
#: A look-alike runner-up (an O weighed for a 0) this confident (0-100) makes a value doubtful;
#: another runner-up (a U weighed inside JLCN) from CHOICE_OTHER. Calibrated on the rendered set
#: (bench/screenshots.py): every misread value of two seeds stays asked.
CHOICE = 40.0
CHOICE_OTHER = 80.0
#: Runner-ups from this confidence are offered as readings once a value is in doubt.
OFFER = 10.0
_MOST_OPTIONS = 4  # readings offered for one value, the one read first
_ODD = frozenset("$|}{][!§@¢~")  # never in a reference or code: a misread
_CROP_MARGIN = 8  # pixels around a value's words for the second look
_SECOND_SCALE = 1.5  # the second look is at another scale: other pixels, its own mistakes
_OVERLAID = 0.5  # a word this much covered (width and height) by another was read twice

# What a look-alike character is taken for among letters, and among digits.
_AS_DIGIT = {"O": "0", "o": "0", "l": "1", "I": "1", "S": "5", "B": "8"}
_AS_LETTER = {"0": "O", "1": "I", "5": "S", "8": "B"}
_LOOK_ALIKE = set(_AS_DIGIT) | set(_AS_LETTER)
_GROUPS = (frozenset("0Oo"), frozenset("1lIi|"), frozenset("5S$"), frozenset("8B"))


@dataclass(frozen=True)
class UncertainValue:
    """A value OCR may have misread: what was read and the readings to ask the customer about."""

    name: str
    read: str
    options: tuple[str, ...]
    confidence: float
    second_look: bool = False  # only hesitated over: a second reading may settle it

    @property
    def question(self) -> str:
        """Return the question for the customer, e.g. "Is the invoice number A or B?"."""
        label = self.name.replace("_", " ")
        if len(self.options) == 1:
            return f"Is the {label} {self.read}?"
        return f"Is the {label} {', '.join(self.options[:-1])} or {self.options[-1]}?"

    def to_json(self) -> dict[str, Any]:
        """Return the value as JSON-ready data, with its question."""
        return {
            "name": self.name,
            "read": self.read,
            "options": list(self.options),
            "confidence": round(self.confidence, 1),
            "question": self.question,
        }


@dataclass(frozen=True)
class ScreenshotDiagnosis:
    """The text read from a screenshot, the errors found in it, and the values to confirm."""

    text: str
    matches: list[Match]
    uncertain: list[UncertainValue] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """Return the text read, the matches as ``diagnose`` prints them, and the doubts."""
        return {
            "text": self.text,
            "matches": [match.to_json() for match in self.matches],
            "uncertain": [value.to_json() for value in self.uncertain],
        }


def read_screenshot(data: bytes | Image.Image) -> Reading:
    """Return the text read from a screenshot (raw bytes of an upload, or an opened image).

    Raises:
        NotAScreenshot: the bytes are not a picture syncdesk reads.
        OcrUnavailable: Tesseract's data is not installed.
    """
    return _read(data)[0]


def _read(data: bytes | Image.Image) -> tuple[Reading, Image.Image]:
    image = open_image(data) if isinstance(data, bytes) else data
    prepared = prepare(image).image
    return read_words(prepared), prepared


def diagnose_screenshot(data: bytes | Image.Image, diagnoser: Diagnoser) -> ScreenshotDiagnosis:
    """Read a screenshot, diagnose its text as a paste, and say which values to confirm."""
    reading, image = _read(data)
    matches = diagnoser.diagnose(reading.text)
    uncertain: dict[tuple[str, str], UncertainValue] = {}
    for match in matches:
        for name, value in match.values.items():
            doubt = _doubt(reading, match, name, value)
            if doubt is not None and doubt.second_look and _confirmed(image, reading, match, value):
                doubt = None
            if doubt is not None:
                uncertain.setdefault((name, value), doubt)
    return ScreenshotDiagnosis(reading.text, matches, list(uncertain.values()))


def look_alike_readings(value: str) -> list[str]:
    """Return ``value`` and, if look-alike characters are out of place in it, the fixed reading.

    References and codes are letters, then digits, then at most two letters (``SI683``,
    ``TAX001``, ``OUTPUT2``, ``INV42A``). A run of letters and digits that breaks that shape
    is read again with the fewest look-alikes (0/O, 1/l/I, 5/S, 8/B) swapped that restores it,
    digits preferred: ``INV-0O42`` → ``INV-0042``, ``0UTPUT`` → ``OUTPUT``. Shapes that fit but
    are as likely misread are read again too: look-alike letters between letters and digits
    (``TAXOO1`` → ``TAX001``), a run of look-alikes alone (``REV-O1`` → ``REV-01``), and a
    lower-case letter inside a code in capitals (``Si204`` → ``SI204``). A ``$`` touching letters
    or digits is an ``S``.
    """
    fixed = _DOLLAR.sub("S", value)
    fixed = _RUN.sub(lambda run: _reshape(run.group()), fixed)
    return [value] if fixed == value else [value, fixed]


_RUN = re.compile(r"[A-Za-z0-9]+")
_SHAPE = re.compile(r"[A-Za-z]*[0-9]*[A-Za-z]{0,2}")
_DOLLAR = re.compile(r"\$(?=[A-Za-z0-9])")
_BEFORE_DIGITS = re.compile(r"(?<=[A-Za-z])[OoIlSB]+(?=[0-9])")
_LOWER_IN_CODE = re.compile(r"(?<=[A-Z])[a-z](?=[A-Z0-9])")
_MOST_SWAPS = 3


def _reshape(run: str) -> str:
    """Return ``run`` in the reference shape with the fewest look-alikes swapped (or as is)."""
    if not _SHAPE.fullmatch(run):
        return _fewest_swaps(run)
    if any(char.isdigit() for char in run):
        if all(char in _LOOK_ALIKE for char in run) and not (run.isdigit() or run.isalpha()):
            return "".join(_AS_DIGIT.get(char, char) for char in run)
        lead = _BEFORE_DIGITS.search(run)
        if lead and any(char not in _LOOK_ALIKE for char in run[: lead.start()]):
            digits = "".join(_AS_DIGIT[char] for char in lead.group())
            return run[: lead.start()] + digits + run[lead.end() :]
        run = _LOWER_IN_CODE.sub(lambda letter: letter.group().upper(), run)
    return run


def _fewest_swaps(run: str) -> str:
    places = [i for i, char in enumerate(run) if char in _LOOK_ALIKE]
    for count in range(1, min(_MOST_SWAPS, len(places)) + 1):
        readings = []
        for chosen in itertools.combinations(places, count):
            swapped = list(run)
            for i in chosen:
                swapped[i] = _swap(run, i)
            reading = "".join(swapped)
            if _SHAPE.fullmatch(reading):
                readings.append((-sum(run[i].isalpha() for i in chosen), reading))
        if readings:
            return min(readings)[1]  # letters read as digits first
    return run


def _swap(run: str, index: int) -> str:
    char = run[index]
    if char in _AS_DIGIT:
        return _AS_DIGIT[char]
    around = run[max(index - 1, 0) : index + 2]
    if char == "1" and around.lower() == around:  # among lower-case letters: an l
        return "l"
    return _AS_LETTER[char]


def _doubt(reading: Reading, match: Match, name: str, value: str) -> UncertainValue | None:
    """Return the doubt about one value of a match, or None when it was read surely."""
    found = _value_words(reading, match, value)
    if found is None:
        return UncertainValue(name=name, read=value, options=(value,), confidence=0.0)
    start, words = found
    end = start + len(value)
    confidence = min((w.confidence_of(start, end) for w in words), default=0.0)
    options = look_alike_readings(value)
    weighed = sorted(
        (-weight, word.start + index - start, other)
        for word in words
        for index, other, weight in word.choices
        if weight >= OFFER and 0 <= word.start + index - start < len(value)
    )
    runner_up = max((_weight(value[at], other, -w) for w, at, other in weighed), default=0.0)
    look_alike_doubt = any(
        _look_alikes(value[at], other) and -weight >= CHOICE for weight, at, other in weighed
    )
    odd = any(char in _ODD for char in value)
    # Tesseract sometimes reads one stretch of a blurred line twice, as two words on top of each
    # other ("code" and "'2" over "'277."): what it made of those pixels is not a reading.
    overlaid = any(_overlaid(word, other) for word in words for other in reading.words)
    doubted = len(options) > 1 or odd or overlaid or confidence < SURE_WORD or runner_up >= 1
    if not doubted:
        return None
    # Only a hesitation that is not between look-alikes may be settled by a second look: the
    # language model that read INV-0O42 as INV-0042 once does it again at any scale.
    second_look = len(options) == 1 and not odd and not overlaid and not look_alike_doubt
    # Every position's best runner-up at once ($1204 -> SI204), then each alone.
    best: dict[int, str] = {}
    for _, at, other in weighed:
        best.setdefault(at, other)
    candidates = [_replace(value, best)] + [_replace(value, {at: o}) for _, at, o in weighed]
    for option in candidates:
        if option not in options and len(options) < _MOST_OPTIONS:
            options.append(option)
    return UncertainValue(name, value, tuple(options), confidence, second_look)


def _overlaid(word: Word, other: Word) -> bool:
    """Return whether most of ``word``'s pixels were also read as ``other``, another word.

    (A value's box that runs on over the next words, "476046" over "- Tax", is only a loose
    box: those cover little of it.)
    """
    if other is word:
        return False
    (left, top, right, bottom), (o_left, o_top, o_right, o_bottom) = word.box, other.box
    across = min(right, o_right) - max(left, o_left)
    down = min(bottom, o_bottom) - max(top, o_top)
    return across > _OVERLAID * (right - left) and down > _OVERLAID * (bottom - top)


def _confirmed(image: Image.Image, reading: Reading, match: Match, value: str) -> bool:
    """Return whether a second look at the value's words, at another scale, reads it surely.

    Two readings of different pixels agreeing, each sure enough, settle a hesitation.
    """
    found = _value_words(reading, match, value)
    if found is None or not found[1]:
        return False
    start, words = found
    left = min(w.box[0] for w in words) - _CROP_MARGIN
    top = min(w.box[1] for w in words) - _CROP_MARGIN
    right = max(w.box[2] for w in words) + _CROP_MARGIN
    bottom = max(w.box[3] for w in words) + _CROP_MARGIN
    crop = image.crop((max(left, 0), max(top, 0), right, bottom))
    crop = crop.resize(
        (round(crop.width * _SECOND_SCALE), round(crop.height * _SECOND_SCALE)),
        Image.Resampling.LANCZOS,
    )
    again = read_line(crop)
    at = again.text.find(value)
    if at < 0 or again.text.count(value) != 1:
        return False
    seen = again.words_in(at, at + len(value))
    weights = [
        _weight(again.text[w.start + index], other, weight)
        for w in seen
        for index, other, weight in w.choices
        if at <= w.start + index < at + len(value)
    ]
    sure = min((w.confidence_of(at, at + len(value)) for w in seen), default=0.0)
    return sure >= SURE_WORD and max(weights, default=0.0) < 1


def _weight(read: str, other: str, confidence: float) -> float:
    """Return how much a runner-up weighs: 1 and above puts the value in doubt."""
    return confidence / (CHOICE if _look_alikes(read, other) else CHOICE_OTHER)


def _look_alikes(read: str, other: str) -> bool:
    return any(read in group and other in group for group in _GROUPS)


def _replace(value: str, characters: dict[int, str]) -> str:
    return "".join(characters.get(at, char) for at, char in enumerate(value))


def _value_words(reading: Reading, match: Match, value: str) -> tuple[int, list[Word]] | None:
    """Return where the occurrence of ``value`` nearest the match starts, and its words."""
    text, anchor = reading.text, match.span[0]
    best: int | None = None
    start = text.find(value)
    while start != -1:
        if best is None or abs(start - anchor) < abs(best - anchor):
            best = start
        start = text.find(value, start + 1)
    return None if best is None else (best, reading.words_in(best, best + len(value)))
