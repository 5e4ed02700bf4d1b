"""Sample messages of every known error, for the diagnosis tests and the benchmarks.

`Samples` writes an error's message in the many forms customers paste it in (Joblogic's line,
Xero's raw quoted wording, JSON envelopes, logs...), with generated values, and says which
values a correct diagnosis must return.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Callable
from dataclasses import dataclass

from bot.kb.source import ErrorEntry, Source
from bot.kb.value_kinds import value_kinds

# The help guide's [placeholders] -> the knowledge base's {placeholders}.
GUIDE_LABELS = {kind.guide: kind.name for kind in value_kinds()}
_BRACKET = re.compile(r"\[([^\]]+)\]")
_PLACEHOLDER = re.compile(r"\{(\w+)\}")
# Xero quotes codes in its own wording; Joblogic's prefix doesn't.
QUOTED = {kind.name for kind in value_kinds() if kind.quoted_by_xero}

Gen = Callable[[random.Random], str]


def _as_written(example: str) -> Gen:
    return lambda r: example


def _redrawn(example: str) -> Gen:
    """Return a generator of ``example`` with its digits drawn afresh: INV-0042 -> INV-7310."""
    return lambda r: re.sub(r"\d", lambda _: r.choice("0123456789"), example)


#: Each kind's values: its registry examples as written, and with their digits redrawn.
VALUE_SHAPES: dict[str, list[Gen]] = {
    kind.name: [
        *(_as_written(e) for e in kind.examples),
        *(_redrawn(e) for e in kind.examples if re.search(r"\d", e)),
    ]
    for kind in value_kinds()
}

NOISE = [
    "INFO  Xero live sync started for company {n}",
    "INFO  Invoice {inv} sent to Xero (200 OK)",
    "DEBUG POST https://api.xero.com/api.xro/2.0/Invoices took {n} ms",
    "INFO  Contact 'Acme Facilities Ltd' up to date",
    "WARN  Xero rate limit: {n} calls left this minute",
    "INFO  Payment for {inv} already passed to accounts, skipped",
    "DEBUG Refreshing access token",
    "INFO  {n} nominal codes downloaded",
    "INFO  Credit note batch finished: {n} sent, 0 failed",
]


def to_template(message: str) -> str:
    """Turn the guide's [placeholders] into the knowledge base's {placeholders}."""
    return _BRACKET.sub(lambda m: "{" + GUIDE_LABELS[m.group(1).lower()] + "}", message)


def names(template: str) -> set[str]:
    """Return the placeholders a template uses."""
    return set(_PLACEHOLDER.findall(template))


def fill(template: str, values: dict[str, str], quote: str = "") -> str:
    """Fill a template's placeholders, quoting codes with ``quote`` as Xero does."""

    def one(m: re.Match[str]) -> str:
        value = values[m.group(1)]
        return f"{quote}{value}{quote}" if m.group(1) in QUOTED else value

    return _PLACEHOLDER.sub(one, template)


@dataclass(frozen=True)
class Sample:
    """A text to diagnose and what the diagnosis of its error must say."""

    text: str
    values: dict[str, str]
    truncated: bool = False
    others: tuple[str, ...] = ()  # other error ids the text holds too


class Samples:
    """Writes error messages in the forms customers paste them in."""

    FORMS = (
        "joblogic",
        "xero_quoted",
        "xero_double_quoted",
        "no_stop",
        "json",
        "json_pretty",
        "json_embedded",
        "json_escaped",
        "json_double_encoded",
        "json_backslashed",
        "json_truncated",
        "semicolon",
        "multiline",
        "errornumber",
        "lower",
        "upper",
        "chatter",
        "log",
        "truncated",
    )

    def __init__(self, source: Source) -> None:
        self.errors = source.errors

    def entry(self, error_id: str) -> ErrorEntry:
        return next(e for e in self.errors if e.id == error_id)

    def values(self, rng: random.Random) -> dict[str, str]:
        return {name: rng.choice(gens)(rng) for name, gens in VALUE_SHAPES.items()}

    def message(self, entry: ErrorEntry) -> str:
        """Return Joblogic's line as a {template}: the guide's message, prefixed if it has none."""
        message = to_template(entry.message)
        if entry.prefix and not message.startswith(entry.prefix):
            message = f"{entry.prefix} {message}"
        return message

    def body(self, entry: ErrorEntry) -> str:
        """Return the guide's message without Joblogic's prefix: Xero's own wording."""
        message = self.message(entry)
        if entry.prefix:
            assert message.startswith(entry.prefix), entry.id
            return message[len(entry.prefix) :].strip()
        return message

    def make(self, error_id: str, form: str, rng: random.Random) -> Sample:
        entry = self.entry(error_id)
        values = self.values(rng)
        message, body = self.message(entry), self.body(entry)
        full = {n: values[n] for n in names(message)}
        raw = {n: values[n] for n in names(body)}
        line = fill(message, values)
        if form == "joblogic":
            return Sample(line, full)
        if form == "xero_quoted":
            return Sample(fill(body, values, "'"), raw)
        if form == "xero_double_quoted":
            return Sample(fill(body, values, '"'), raw)
        if form == "no_stop":
            return Sample(fill(body, values, "'").rstrip("."), raw)
        if form.startswith("json"):
            return self._json(entry, form, values, rng)
        if form == "semicolon":
            other = self.errors[(self.errors.index(entry) + 5) % len(self.errors)]
            text = f"{fill(body, values, chr(39))}; {fill(self.body(other), values, chr(39))}"
            return Sample(text, raw, others=(other.id,))
        if form == "multiline":
            words = body.split(" ")
            # A value closing the message stays on its line (nothing after it confirms it).
            last = len(words) - 1 if words[-1].startswith("{") else len(words)
            for _ in range(3):
                i = rng.randrange(1, last)
                words[i] = rng.choice(["\n", "\r\n  ", "\n\t", "   "]) + words[i]
            head = f"{entry.prefix}\n" if entry.prefix else ""
            return Sample(fill(head + " ".join(words), values), full)
        if form == "errornumber":
            return Sample(f"ErrorNumber:{rng.choice([10, 101, 400])} Error Message: {line}", full)
        if form == "lower":
            return Sample(line.lower(), {k: v.lower() for k, v in full.items()})
        if form == "upper":
            return Sample(line.upper(), {k: v.upper() for k, v in full.items()})
        if form == "chatter":
            text = (
                "Hi, I'm getting this when syncing to Xero this morning:\n\n"
                f"  {line}  \n\nCan you help? Thanks, Dave (Acme Facilities)"
            )
            return Sample(text, full)
        if form == "log":
            return Sample(self.log([line], rng, 300), full)
        if form == "truncated":
            cut = self.truncate(entry, message)
            return Sample(fill(cut, values), {n: values[n] for n in names(cut)}, truncated=True)
        raise ValueError(form)

    def log(self, lines: list[str], rng: random.Random, size: int) -> str:
        """Return a sync log of ``size`` lines with ``lines`` among them, timestamped."""
        body = [
            rng.choice(NOISE).format(n=rng.randint(1, 500), inv=f"INV-{rng.randint(1, 9999)}")
            for _ in range(size - len(lines))
        ]
        for line in lines:
            body.insert(rng.randrange(len(body) + 1), "ERROR " + line)
        return "\n".join(
            f"2024-05-{1 + i // 100:02d} 10:{i // 60 % 60:02d}:{i % 60:02d}.{i:03d} {text}"
            for i, text in enumerate(body)
        )

    def truncate(self, entry: ErrorEntry, message: str) -> str:
        """Return the {template} cut inside its last phrase's last word (or the word before
        a value it ends with).
        """
        end = max(message.find(p) + len(p) for p in entry.phrases if p in message)
        template = message[:end]
        if template.endswith("}"):  # ends in a value: drop it and cut into the word before
            template = template[: template.rindex("{")].rstrip()
        word = re.search(r"\w+$", template)
        assert word is not None
        keep = min(max(3, len(word.group()) // 2), len(word.group()) - 1)
        return template[: word.start() + keep]

    def _json(
        self, entry: ErrorEntry, form: str, values: dict[str, str], rng: random.Random
    ) -> Sample:
        body = self.body(entry)
        message_names = names(self.message(entry))
        expected = {n: values[n] for n in names(body)}
        element: dict[str, object] = {}
        if "amount" in message_names:
            element = {
                "Invoice": {"InvoiceNumber": values["invoice_number"]},
                "Account": {"Code": values["account_code"]},
                "Amount": 12.5,
            }
            expected |= {n: values[n] for n in ("invoice_number", "account_code")}
            expected["amount"] = "12.5"  # the record's Amount, as written
        elif "invoice_number" in message_names:
            element = {"Type": "ACCREC", "InvoiceNumber": values["invoice_number"]}
            expected["invoice_number"] = values["invoice_number"]
        elif "credit_note_number" in message_names:
            element = {"Type": "ACCRECCREDIT", "CreditNoteNumber": values["credit_note_number"]}
            expected["credit_note_number"] = values["credit_note_number"]
        sentences = [s if s.endswith(".") else s + "." for s in re.split(r"(?<=\.) ", body)]
        element["ValidationErrors"] = [{"Message": fill(s, values, "'")} for s in sentences]
        envelope = {
            "ErrorNumber": 10,
            "Type": "ValidationException",
            "Message": "A validation exception occurred",
            "Elements": [element],
        }
        if form == "json":
            return Sample(json.dumps(envelope), expected)
        if form == "json_pretty":
            return Sample(json.dumps(envelope, indent=2), expected)
        if form == "json_embedded":
            text = f"Xero said: {json.dumps(envelope)} (HTTP 400) - what does it mean?"
            return Sample(text, expected)
        if form == "json_escaped":
            return Sample(json.dumps(envelope).replace("'", "\\u0027"), expected)
        if form == "json_double_encoded":  # the envelope as a string inside another log record
            return Sample(
                json.dumps({"level": "error", "response": json.dumps(envelope)}), expected
            )
        if form == "json_backslashed":  # escaped but not JSON: read as text, no record fields
            raw = {n: values[n] for n in names(body)}
            return Sample("Response: " + json.dumps(envelope).replace('"', '\\"'), raw)
        if form == "json_truncated":  # cut off inside the last message, as a log line is
            cut = self.truncate(entry, body)
            cut_sentences = re.split(r"(?<=\.) ", cut)
            element["ValidationErrors"] = [{"Message": fill(s, values, "'")} for s in cut_sentences]
            text = json.dumps(envelope)
            expected = {
                n: v for n, v in expected.items() if n in names(cut) or n not in names(body)
            }
            return Sample(text[: text.rindex('"}]')], expected, truncated=True)
        raise ValueError(form)
