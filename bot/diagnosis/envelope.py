"""Find Xero's error envelopes in pasted text and pull out their messages.

Customers paste what Xero (or Joblogic's log) said about a failed document: whole, inside a log
line, or cut off. The envelopes read:

* the JSON ``ApiException`` of a 400: ``{"ErrorNumber": 10, "Type": "ValidationException",
  "Elements": [{"InvoiceNumber": ..., "ValidationErrors": [{"Message": ...}]}]}``;
* its XML twin, ``<ApiException>...<DataContractBase i:type="Invoice">...`` (see
  `bot.diagnosis.xml_envelope`);
* the 200 of a ``summarizeErrors=false`` batch, ``{"Invoices": [{..., "HasErrors": true,
  "StatusAttributeString": "ERROR", "ValidationErrors": [...]}]}``, where the records that went
  through (``"HasErrors": false``, status ``OK`` or ``WARNING``) say nothing;
* RFC 7807 problem details (``application/problem+json``) from Xero's newer APIs and
  Joblogic's proxies: their ``title`` and ``detail``, and extension members such as
  ``errors`` (``{"Code": ["The Code field is required."]}``) or ``invalidFields``;
* any of these logged as a string inside another JSON record.

A record's fields give values to the messages it (or anything inside it) carries: its invoice
or credit note number, an account's code and name, a payment's invoice, account and amount (as
written), and the tax type or line account code when every line item agrees on it. Which field
gives which value is data: each kind's ``envelope`` fields in ``data/kb/value_kinds.yml``.

A cut-off envelope is closed up where it was cut: at the end of the text, at the line break
that broke one of its strings, or at the end of its last whole line.

Cost is linear in the text. A candidate is decoded by the C decoder in a window that grows
eightfold while the JSON runs on, so a failure costs what was read, not all that precedes it;
closing one up walks its brackets with regexes that never step through a string's escapes; and
every step taken in Python is paid for from a budget of about a microsecond per 8 characters
(20 ms at least). A hostile paste that spends it is read only that far; the diagnosis loses
nothing by it, since text outside the envelopes found is scanned as text.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, NamedTuple

from bot.diagnosis.xml_envelope import XML_ROOT, read_xml
from bot.kb.value_kinds import EnvelopeTables, ValueKinds, value_kinds

__all__ = ["Envelope", "EnvelopeMessage", "find_envelopes"]

# Where an envelope may begin: a JSON object and its first key, or one of Xero's XML roots.
_START = re.compile(rf'(\{{)\s*"[^"\n]*"\s*:|{XML_ROOT}')
# A document without any of these words carries no message; it is not walked.
_WORTH_READING = re.compile(r"message|detail|error|title|reason|description", re.IGNORECASE)
# Keys whose string values are messages (Xero's ``Message``, problem details' ``title`` and
# ``detail``, ``errors``, ``reason``...), but not the number, code or flag of an error.
_TEXT_KEY = re.compile(r"message|detail|error|^title$|^reason$", re.IGNORECASE)
_NOT_TEXT_KEY = re.compile(r"^has|(?:number|code|id|type)$", re.IGNORECASE)
# What a record's StatusAttributeString (XML: ``status``) says when it went through.
_WENT_THROUGH = {"OK", "WARNING"}
_MAX_DEPTH = 32

# The walk over a cut-off object: skipped in one regex step are text between brackets, strings
# without escapes, and innermost containers of those; other brackets and strings cost a step
# in Python (a regex would take a step per escape, and backtrack over them, in C).
_PLAIN = r'[^"\[\]{}]*'
_SIMPLE_STRING = r'"[^"\\\n]*"'
_INSIDE = rf"{_PLAIN}(?:{_SIMPLE_STRING}{_PLAIN})*"
_SKIP = re.compile(rf"{_PLAIN}(?:(?:{_SIMPLE_STRING}|\[{_INSIDE}\]|\{{{_INSIDE}\}}){_PLAIN})*")
# An escape cut short at the end of a string: ``\u`` and up to three hex digits.
_CUT_UNICODE = re.compile(r"\\u[0-9a-fA-F]{0,3}\Z")

# Work, in units of about a microsecond: a budget per text and per character, and the price of
# each step (C decoding costs one unit per _CHARS_PER_UNIT characters).
_BASE_WORK = 20_000
_CHARS_PER_WORK = 8
_DECODED = 2
_FAILED = 8
_TOO_DEEP = 100  # the decoder unwinding from its recursion limit
_BRACKET = 2  # a bracket, or a string with escapes, in the walk
_RECORD = 4
_FOUND = 4
_CHARS_PER_UNIT = 256
# The first window a candidate is decoded in; it grows eightfold while the JSON runs on.
_WINDOW = 4096


# A decimal number is kept as written (``250.00`` stays ``"250.00"``, where a float would read
# 250.0); ``str`` is all but free here, where a custom type would cost a call per number.
_DECODER = json.JSONDecoder(parse_float=str)


@dataclass(frozen=True)
class EnvelopeMessage:
    """One message to diagnose, with the values its record's fields give."""

    text: str
    values: dict[str, str]


@dataclass(frozen=True)
class Envelope:
    """An error envelope found at ``text[start:end]``."""

    start: int
    end: int
    messages: tuple[EnvelopeMessage, ...]


class _Meter:
    """The work a call may still do (see the module's notes on cost), and the fields it reads."""

    def __init__(self, size: int, fields: _Fields) -> None:
        self.left = _BASE_WORK + size // _CHARS_PER_WORK
        self.fields = fields

    def spend(self, units: int) -> bool:
        self.left -= units
        return self.left >= 0


class _Read(NamedTuple):
    document: Any
    end: int  # where the envelope ends in the text
    resume: int  # where the search goes on


def find_envelopes(text: str, kinds: ValueKinds | None = None) -> list[Envelope]:
    """Return the error envelopes in ``text`` that carry messages, in order.

    ``kinds`` says which fields give which values (the project's registry by default).
    """
    return _find(text, _Meter(len(text), _fields_of(kinds or value_kinds())), 0)


def _find(text: str, meter: _Meter, depth: int) -> list[Envelope]:
    found: list[Envelope] = []
    pos = 0
    while depth <= _MAX_DEPTH and meter.left > 0:
        start = _START.search(text, pos)
        if start is None:
            break
        at = start.start()
        read = _read_json(text, at, meter) if start.group(1) else _read_xml(text, at, meter)
        if read is None:
            pos = at + 1
            continue
        if _WORTH_READING.search(text, at, read.end):
            messages = tuple(_messages(read.document, {}, False, depth + 1, meter))
            if messages and meter.spend(_FOUND):
                found.append(Envelope(at, read.end, messages))
        pos = read.resume
    return found


def _read_xml(text: str, start: int, meter: _Meter) -> _Read | None:
    read = read_xml(text, start, meter.spend)
    if read is None:
        return None
    document, end = read
    return _Read(document, end, max(end, start + 1))


def _read_json(text: str, start: int, meter: _Meter) -> _Read | None:
    """Decode the JSON object at ``text[start]``, closing it up if it was cut off."""
    size = _WINDOW
    while True:
        stop = min(len(text), start + size)
        window = text[start:stop]  # the decoder's error costs what precedes it: keep it short
        try:
            document, end = _DECODER.raw_decode(window)
        except RecursionError:  # nested past the decoder's limit: keep what isn't too deep
            meter.spend(_TOO_DEEP + len(window) // _CHARS_PER_UNIT)
            return _close(text, start, stop, meter)
        except json.JSONDecodeError as error:
            runs_on = error.pos >= len(window) - 16 or error.msg.startswith("Unterminated")
            if stop < len(text) and runs_on:
                size *= 8
                continue
            # What was read: up to the error, or (a string left open) the whole window.
            read = len(window) if error.msg.startswith("Unterminated") else error.pos
            meter.spend(_FAILED + read // _CHARS_PER_UNIT)
            return _cut_off(text, start, start + error.pos, error.msg, meter)
        except ValueError:
            meter.spend(_FAILED)
            return None
        meter.spend(_DECODED + end // _CHARS_PER_UNIT)
        return _Read(document, start + end, start + end)


def _cut_off(text: str, start: int, error: int, reason: str, meter: _Meter) -> _Read | None:
    """Close up the object at ``text[start]``, which stops being JSON at ``text[error]``."""
    cuts = []
    if reason.startswith("Invalid control character") and text[error : error + 1] in "\r\n":
        cuts.append(error)  # a line break inside a string: the line was cut there
    elif reason.startswith("Unterminated") or len(text) - error <= 16:
        cuts.append(len(text))  # cut off by the end of the text
    line = text.rfind("\n", start, error)
    if line > start:
        cuts.append(line)  # or by the end of its last whole line (a log line, cut short)
    for cut in cuts:
        read = _close(text, start, cut, meter)
        if read is not None:
            return read
    return None


def _close(text: str, start: int, cut: int, meter: _Meter) -> _Read | None:
    """Decode ``text[start:cut]``, a JSON object cut off before its end, closed up."""
    if not meter.spend((cut - start) // _CHARS_PER_UNIT):
        return None
    walk = _walk(text, start, cut, meter)
    if walk is None:
        return None
    closers, open_string, end = walk
    if open_string is not None:
        base = text[start : _whole(text, open_string + 1, end)] + '"'
    else:
        # Drop what follows the last ',' or ':' after the last string or bracket: a value
        # (``tru``, ``12.``) that may be cut short itself.
        tail = max(text.rfind(c, start, end) for c in '"[]{}') + 1
        delimiter = max(text.rfind(",", tail, end), text.rfind(":", tail, end))
        base = text[start : delimiter + 1 if delimiter != -1 else tail].rstrip().rstrip(",")
    if base.endswith(":"):
        candidates = [base + "null" + closers]
    else:  # a key cut off before its ':' needs a value too
        candidates = [base + closers, base + ":null" + closers]
    resume = cut if end == cut else _line_end(text, end)
    for candidate in candidates:
        meter.spend(_FAILED + len(candidate) // _CHARS_PER_UNIT)
        try:
            return _Read(_DECODER.decode(candidate), end, resume)
        except ValueError:
            continue
    return None


def _walk(text: str, start: int, cut: int, meter: _Meter) -> tuple[str, int | None, int] | None:
    """Walk the brackets of ``text[start:cut]``, an object cut off before its end.

    Returns:
        The brackets that close it, where a string still open at the cut starts (if one is),
        and where the object is cut: ``cut``, or earlier, before a bracket nested too deep.
        None if it is not an object cut off (a bracket doesn't match, or it closes).
    """
    stack: list[str] = []
    at = start
    while meter.spend(_BRACKET):
        skipped = _SKIP.match(text, at, cut)
        at = skipped.end() if skipped else at
        if at >= cut:
            return "".join(reversed(stack)), None, cut
        char = text[at]
        if char == '"':
            end = _string_end(text, at, cut, meter)
            if end is None:
                return "".join(reversed(stack)), at, cut
            at = end
            continue
        if char in "[{":
            if len(stack) == _MAX_DEPTH:
                return "".join(reversed(stack)), None, at
            stack.append("]" if char == "[" else "}")
        elif not stack or stack.pop() != char or not stack:
            return None  # a bracket that doesn't match, or the object closes before the cut
        at += 1
    return None


def _string_end(text: str, start: int, cut: int, meter: _Meter) -> int | None:
    """Return where the string opening at ``text[start]`` ends; None if it is open at ``cut``."""
    at = start + 1
    while meter.spend(_BRACKET):
        quote = text.find('"', at, cut)
        if quote == -1:
            return None
        if not _escaped(text, at, quote):
            return quote + 1
        at = quote + 1
    return None


def _escaped(text: str, start: int, at: int) -> bool:
    """Say whether ``text[at]`` is escaped: an odd run of backslashes ends just before it."""
    before = text[start:at]
    return (len(before) - len(before.rstrip("\\"))) % 2 == 1


def _whole(text: str, start: int, end: int) -> int:
    """Return where the whole characters of ``text[start:end]``, a string cut off, end."""
    if _escaped(text, start, end):
        return end - 1  # a backslash whose escape was cut off
    cut_unicode = _CUT_UNICODE.search(text, max(start, end - 6), end)
    if cut_unicode and not _escaped(text, start, cut_unicode.start()):
        return cut_unicode.start()
    return end


def _line_end(text: str, at: int) -> int:
    end = text.find("\n", at)
    return len(text) if end == -1 else end


def _messages(
    node: Any, context: dict[str, str], texty: bool, depth: int, meter: _Meter
) -> Iterator[EnvelopeMessage]:
    """Yield the messages in ``node``, with the values of the records around them.

    Args:
        node: part of a decoded envelope.
        context: the values of the records ``node`` sits in.
        texty: ``node`` sits under a key for text (``errors``...): its bare strings are
            messages unless it names its text itself (``{"code": ..., "message": ...}``).
        depth: how deep ``node`` is, counting envelopes logged inside envelopes.
        meter: the work left.
    """
    if depth > _MAX_DEPTH:
        return
    if isinstance(node, list):
        for item in node:
            if texty and type(item) is str:
                yield EnvelopeMessage(item, context)
            elif isinstance(item, (dict, list)):
                yield from _messages(item, context, texty, depth + 1, meter)
            if meter.left < 0:
                return
        return
    if not isinstance(node, dict) or not meter.spend(_RECORD + len(node) // 8):
        return
    fields = {key.lower(): value for key, value in node.items()}
    if _went_through(fields):
        return
    values = _record_values(fields, meter.fields)
    if values:
        context = {**context, **values}
    errors = fields.get("validationerrors")
    if isinstance(errors, list):
        # One record's messages belong together (Xero splits a two-sentence error in two).
        said = [text for error in errors if (text := _error_text(error))]
        if said:
            yield EnvelopeMessage("\n".join(said), context)
    texty = texty and not any(_is_text_key(key) for key in node)
    for key, value in node.items():
        if key.lower() in ("validationerrors", "warnings"):
            continue  # read above; warnings didn't stop the record
        is_text = texty or _is_text_key(key)
        if type(value) is str:
            yield from _string_messages(value, context, is_text, depth, meter)
        elif isinstance(value, (dict, list)):
            yield from _messages(value, context, is_text, depth + 1, meter)
        if meter.left < 0:
            return


def _string_messages(
    value: str, context: dict[str, str], text: bool, depth: int, meter: _Meter
) -> Iterator[EnvelopeMessage]:
    inner = _find(value, meter, depth + 1) if "{" in value or "<" in value else []
    for envelope in inner:  # an envelope logged as a string inside another record
        for message in envelope.messages:
            yield EnvelopeMessage(message.text, {**context, **message.values})
    if not inner and text and value.strip():
        yield EnvelopeMessage(value, context)


@functools.lru_cache(maxsize=1024)
def _is_text_key(key: str) -> bool:
    return bool(_TEXT_KEY.search(key)) and not _NOT_TEXT_KEY.search(key)


def _error_text(error: Any) -> str | None:
    """Return a validation error's text: its ``Message`` (``Description`` in some replies)."""
    if not isinstance(error, dict):
        return None
    for key, value in error.items():
        if key.lower() in ("message", "description") and type(value) is str and value.strip():
            return value
    return None


def _went_through(fields: dict[str, Any]) -> bool:
    """Say whether a record of a batch reply went through: it has no message to give."""
    flag = fields.get("haserrors", fields.get("hasvalidationerrors"))
    status = fields.get("statusattributestring", fields.get("@status"))
    return flag in (False, "false") or (
        isinstance(status, str) and status.upper() in _WENT_THROUGH
    )


class _Fields(NamedTuple):
    """The fields that give values, lower-cased, each to the placeholder its value fills."""

    own: dict[str, str]  # a record's own field
    child: dict[tuple[str, str], str]  # a field one object down: a payment's invoice...
    account: dict[str, str]  # an account's own fields (its TaxType is its default, no value)
    lines: dict[str, str]  # a document's line items' fields, read when every line agrees
    any: frozenset[str]  # a record without any of these has no value to give


# Fields that tell an account of the chart, or hold line items: worth a closer look.
_STRUCTURE = ("accountid", "@type", "lineitems")


@functools.lru_cache(maxsize=8)
def _fields_of(kinds: ValueKinds) -> _Fields:
    tables: EnvelopeTables = kinds.envelope_tables
    return _Fields(
        tables.record,
        tables.child,
        tables.account,
        tables.line_items,
        frozenset([*tables.record, *(child for child, _ in tables.child), *_STRUCTURE]),
    )


def _record_values(fields: dict[str, Any], known: _Fields) -> dict[str, str]:
    """Return the values a record's (lower-cased) fields give."""
    values: dict[str, str] = {}
    if known.any.isdisjoint(fields):
        return values
    for (child, name), placeholder in known.child.items():
        inner = fields.get(child)
        if isinstance(inner, dict) and (value := _value(_lowered(inner).get(name))):
            values[placeholder] = value
    # An account of the chart (a payment's, or one Joblogic reads); a line item has an
    # AccountID too, but its code is its AccountCode.
    account = fields.get("@type") == "Account" or {"accountid", "code"} <= fields.keys()
    for name, placeholder in (known.account if account else known.own).items():
        if value := _value(fields.get(name)):
            values[placeholder] = value
    lines = fields.get("lineitems")
    if isinstance(lines, list) and lines and all(isinstance(line, dict) for line in lines):
        lowered = [_lowered(line) for line in lines]
        for name, placeholder in known.lines.items():
            found = {_value(line.get(name)) for line in lowered}
            if placeholder not in values and len(found) == 1 and None not in found:
                values[placeholder] = found.pop() or ""
    return values


def _lowered(node: dict[str, Any]) -> dict[str, Any]:
    return {key.lower(): value for key, value in node.items()}


def _value(value: Any) -> str | None:
    """Return a field's value as written, if it has one (a string, or a JSON number)."""
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None
