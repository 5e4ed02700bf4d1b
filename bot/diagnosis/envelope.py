"""Find Xero's JSON error envelopes in pasted text and pull out their messages.

Xero reports a failed document as ``{"ErrorNumber": 10, "Type": "ValidationException",
"Elements": [{"InvoiceNumber": ..., "ValidationErrors": [{"Message": ...}]}]}``. Customers
paste it whole, inside a log line, or cut off; a cut-off envelope at the end of the text or of
its line is closed up so it can still be read. The record fields of an element give values
(its invoice or credit note number) for the messages it carries.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

__all__ = ["Envelope", "EnvelopeMessage", "find_envelopes"]

# Where an envelope may begin: any JSON object (Joblogic wraps Xero's in its own log records).
_START = re.compile(r"\{\s*\"")
# Failed attempts allowed per text, so a pathological paste stays linear.
_MAX_FAILURES = 32
_MAX_REPAIR = 256 * 1024
_MAX_DEPTH = 32
# A record's field -> the placeholder its value fills (also looked for one object down).
_FIELDS = {"InvoiceNumber": "invoice_number", "CreditNoteNumber": "credit_note_number"}
_CHILD_FIELDS = {
    ("Invoice", "InvoiceNumber"): "invoice_number",
    ("CreditNote", "CreditNoteNumber"): "credit_note_number",
    ("Account", "Code"): "account_code",
}
_TEXT_KEY = re.compile(r"message|detail|error|^title$", re.IGNORECASE)
_JSON_TOKEN = re.compile(r"\"[^\"\\]*(?:\\.[^\"\\]*)*(\")?|[\[\]{}]")
_PARTIAL_ESCAPE = re.compile(r"\\(?:u[0-9a-fA-F]{0,3})?\Z")
_PARTIAL_LITERAL = re.compile(r"[^\s,:\[\]{}\"]+\Z")
_DECODER = json.JSONDecoder()


@dataclass(frozen=True)
class EnvelopeMessage:
    """One message to diagnose, with the values its record's fields give."""

    text: str
    values: dict[str, str]


@dataclass(frozen=True)
class Envelope:
    """A JSON error envelope found at ``text[start:end]``."""

    start: int
    end: int
    messages: tuple[EnvelopeMessage, ...]


def find_envelopes(text: str) -> list[Envelope]:
    """Return the JSON error envelopes in ``text`` that carry messages, in order."""
    return _find(text, 0)


def _find(text: str, depth: int) -> list[Envelope]:
    if "{" not in text or depth > _MAX_DEPTH:
        return []
    starts = [m.start() for m in _START.finditer(text)]
    found: list[Envelope] = []
    failures = 0
    resume = 0
    for number, start in enumerate(starts):
        if start < resume:
            continue
        decoded = _decode(text, start, last=number == len(starts) - 1)
        if decoded is None:
            failures += 1
            if failures > _MAX_FAILURES:
                break
            continue
        document, end = decoded
        messages = tuple(_messages(document, {}, depth + 1))
        if messages:
            found.append(Envelope(start, end, messages))
            resume = end
    return found


def _decode(text: str, start: int, last: bool) -> tuple[Any, int] | None:
    try:
        return _DECODER.raw_decode(text, start)
    except (ValueError, RecursionError):
        pass
    line_end = text.find("\n", start)
    ends = [line_end] if line_end != -1 else []
    if last or not ends:
        ends.append(len(text))
    for end in ends:
        if end - start > _MAX_REPAIR:
            continue
        closed = _close(text[start:end])
        if closed is None:
            continue
        try:
            return json.loads(closed), end
        except (ValueError, RecursionError):
            continue
    return None


def _close(fragment: str) -> str | None:
    """Return ``fragment``, a JSON text cut off before its end, closed up; None if it isn't."""
    closers: list[str] = []
    base = _PARTIAL_LITERAL.sub("", fragment.rstrip())  # e.g. a cut-off `tru` or `12.`
    for token in _JSON_TOKEN.finditer(fragment):
        lexeme = token.group()
        if lexeme[0] == '"':
            if token.group(1) is None:  # a string still open where the text stops
                base = _PARTIAL_ESCAPE.sub("", fragment[: token.end()]) + '"'
                break
        elif lexeme in "[{":
            closers.append("]" if lexeme == "[" else "}")
        elif not closers or closers.pop() != lexeme:
            return None
    if not closers:
        return None
    ending = "".join(reversed(closers))
    base = base.rstrip().rstrip(",")
    if base.endswith(":"):
        return base + "null" + ending
    for candidate in (base + ending, base + ":null" + ending):
        try:
            json.loads(candidate)
        except (ValueError, RecursionError):
            continue
        return candidate
    return None


def _messages(node: Any, context: dict[str, str], depth: int) -> Iterator[EnvelopeMessage]:
    if depth > _MAX_DEPTH:
        return
    if isinstance(node, list):
        for item in node:
            yield from _messages(item, context, depth + 1)
        return
    if not isinstance(node, dict):
        return
    context = {**context, **_record_values(node)}
    errors = node.get("ValidationErrors")
    if isinstance(errors, list):
        # One record's messages belong together (Xero splits a two-sentence error in two).
        texts = [
            e["Message"]
            for e in errors
            if isinstance(e, dict) and isinstance(e.get("Message"), str)
        ]
        if texts:
            yield EnvelopeMessage("\n".join(texts), context)
    for key, value in node.items():
        if key == "ValidationErrors":
            continue
        if isinstance(value, str):
            inner = _find(value, depth + 1) if value.lstrip().startswith("{") else []
            for envelope in inner:  # an envelope logged as a string inside another record
                for message in envelope.messages:
                    yield EnvelopeMessage(message.text, {**context, **message.values})
            if not inner and _TEXT_KEY.search(key):
                yield EnvelopeMessage(value, context)
        elif isinstance(value, (dict, list)):
            yield from _messages(value, context, depth + 1)


def _record_values(node: dict[str, Any]) -> dict[str, str]:
    values = {}
    for (child, field), name in _CHILD_FIELDS.items():
        inner = node.get(child)
        if isinstance(inner, dict) and isinstance(inner.get(field), (str, int)):
            values[name] = str(inner[field])
    for field, name in _FIELDS.items():
        if isinstance(node.get(field), (str, int)) and not isinstance(node[field], bool):
            values[name] = str(node[field])
    return {name: value for name, value in values.items() if value.strip()}
