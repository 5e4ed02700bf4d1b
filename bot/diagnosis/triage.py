"""Turn a whole sync log into a plan: what failed, which fixes clear it, in which order.

A log is read entry by entry. A line starts an entry when it begins with a timestamp, a level
word (``ERROR``, ``[Info]``) or a record (``Invoice: INV-1 - ...``); lines under it, such as a
wrapped message or a JSON dump, belong to it. The entry's shape says whether it reports a
failure: its level first (INFO, DEBUG... or ERROR, FATAL...; WARN decides nothing), then its
status words (synced, skipped, ``0 errors``... or failed, rejected, invalid...), then whether it
names a record with a message. Entries that report success or information are not failures:
they are not counted, not listed and not sent to support.

Every other entry is diagnosed on its own, so each failure counts exactly once: a known error
joins a fix; a failure the knowledge base doesn't know is listed first, in full, for Joblogic
support. One fix is one error with the same values for what its steps change (the same tax code
and account code, say), and lists every record it clears, with all its steps.

The order comes from the entries' data, not from knowledge of particular errors: problems with
the connection to Xero first (until Xero answers nothing else can sync), then set-up in Xero's
chart of accounts and tax rates (one fix clears every record it blocks), then errors about
single records; errors only Joblogic support can clear come last, flagged.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from bot.advice import Step, advise
from bot.diagnosis.engine import Diagnoser, Match
from bot.kb.source import PLACEHOLDER, Actor, ErrorEntry
from bot.kb.value_kinds import value_summary

__all__ = ["Plan", "PlanItem", "Record", "UnknownFailure", "triage"]

CONNECTION, SET_UP, RECORD = "connection", "set-up", "record"
_STAGE_ORDER = {CONNECTION: 0, SET_UP: 1, RECORD: 2}
# A fix that starts in Xero's accounting settings is set-up shared by many records.
_SET_UP_PLACE = "Xero › Accounting"
_SET_UP_RECORD_TYPES = {"chart-of-accounts"}
_CONNECTION_RECORD_TYPES = {"connection"}
_STAGE_NOTES = {
    CONNECTION: "Connection to Xero: sort this out first, then run the sync again; "
    "other errors may clear by themselves.",
    SET_UP: "Set-up in Xero: one fix clears every record it blocks.",
    RECORD: "Per record: fix each one listed.",
}
_SHOWN_RECORDS = 12

# What an entry's shape says of it.
OK, FAILED = "ok", "failed"
# Level words a logger writes before its message. WARN decides nothing: the message does.
_LEVELS: dict[str, str | None] = {
    **dict.fromkeys(
        "info information informational inf debug dbg trace verbose notice "
        "success successful succeeded ok synced skipped completed done".split(),
        OK,
    ),
    **dict.fromkeys(
        "error err erro fatal critical crit severe fail failed failure exception "
        "alert emergency".split(),
        FAILED,
    ),
    **dict.fromkeys("warn warning wrn".split(), None),
}
# Status words and phrases in a message, and what each says when it stands alone.
_STATUS_PHRASES = {
    OK: "synced|success|successful|successfully|succeeded|completed|complete|finished|done|ok|"
    "okay|skipped|up to date|no changes|nothing to sync|sent|posted|exported|uploaded|created|"
    "updated|saved|downloaded|queued|started|starting|matched|accepted",
    FAILED: "failed|fail|fails|failing|failure|failures|error|errors|errored|exception|rejected|"
    "declined|refused|invalid|not valid|unable|cannot|can't|could not|couldn't|denied|"
    "unauthorised|unauthorized|forbidden|not found|does not exist|doesn't exist|do not exist|"
    "must|required|already exists|duplicate|timed out|timeout|missing|not allowed|aborted|"
    "unavailable",
}
_STATUS = {
    tuple(phrase.split()): status
    for status, phrases in _STATUS_PHRASES.items()
    for phrase in phrases.split("|")
}
_LONGEST_STATUS = max(len(words) for words in _STATUS)
# Words that turn a status round ("not synced", "no errors"), and fillers after them.
_NEGATIONS = {"not", "no", "never", "without", "nothing"}
_FILLERS = {"be", "been", "yet"}
# Statuses a summary counts: "158 synced, 16 failed", "0 errors", "Errors: 0".
_COUNTED = set(
    "synced sent skipped succeeded created updated exported posted uploaded downloaded "
    "failed failures failure errors error rejected".split()
)

# Tokens of a line's start: a timestamp's parts, a level, a tag; brackets and bars split them.
_TOKEN = re.compile(r"[^\s\[\](){}<>|]+")
_MONTHS_AND_DAYS = (
    "january february march april may june july august september october november december "
    "jan feb mar apr jun jul aug sep sept oct nov dec monday tuesday wednesday thursday "
    "friday saturday sunday mon tue tues wed thu thur thurs fri sat sun"
).split()
_STAMP = re.compile(
    r"(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}(?:T[\d:.,]+)?|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}"  # dates
    r"|\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:am|pm)?|\d{4}|\d{1,2}(?:st|nd|rd|th)?"  # times
    r"|[ap]\.?m\.?|utc|gmt|bst|[+-]\d{2}:?\d{2}|"
    + "|".join(_MONTHS_AND_DAYS)
    + r")(?:z|[+-]\d{2}:?\d{2})?[,.]?",
    re.IGNORECASE,
)
_SMALL_NUMBER = re.compile(r"\d{1,2}(?:st|nd|rd|th)?,?", re.IGNORECASE)
# How many words into a line a level or status column may stand ("Invoice INV-1 Failed").
_HEAD_WORDS = 3
# Words, with record numbers and times whole ("INV-11", "10:00" count nothing), and the
# marks a count follows ("Errors: 0", "158 synced, 16 failed").
_WORD = re.compile(r"\d+(?::\d+)+|\d[\d,]*(?![\w\-/])|[a-z0-9]+(?:[-/.'][a-z0-9]+)*|[:=,;(]")
# What may stand before a count: "16 failed" after these is a summary; "Invoice 16 failed" isn't.
_BEFORE_COUNT = {"", ":", "=", ",", ";", "(", "with", "and", "total"}
# Joblogic's way of naming a record before its message: "Invoice: INV-1 - ...",
# "Payment: Invoice INV-5, Amount: £ 12.50, Account Code: 090 - ...", "Contact: Acme - ...".
_RECORD = re.compile(
    r"[A-Z][A-Za-z]*(?: [A-Z][A-Za-z]*){0,2}: *[^\s:][^\n]*? [-\u2010-\u2015]+ +\S"
)
# A line that can only continue the entry above it: indented, JSON, a stack frame.
_CONTINUATION = re.compile(r"[ \t]|[{}\[\]\"',]|at ")
# How a line that goes on below ends: "Service Unavailable -", "Invoice: INV-1 -".
_OPEN_ENDS = ("-", ":", ",", ";", "(", "\u2013", "\u2014")
_APOSTROPHES = str.maketrans("\u2018\u2019", "''")


class _Diagnoses(Protocol):
    """What triage needs of a diagnoser (`Diagnoser` has it)."""

    def diagnose(self, text: str) -> list[Match]:
        """Return the known errors found in ``text``."""


@dataclass(frozen=True)
class Record:
    """One failing record the log names (by its values), and how many times it failed."""

    values: dict[str, str] = field(hash=False)
    count: int = 1

    def describe(self) -> str:
        """Return the record in words, e.g. ``invoice INV-1, tax code OUTPUT2``."""
        return value_summary(self.values) or "record not named in the log"


@dataclass(frozen=True)
class PlanItem:
    """One fix in the plan: the error, its shared values, how often, which records, all steps.

    ``values`` are what the fix changes, the same for every record it clears (e.g. the tax
    code and account code); ``steps`` are the whole fix, filled with the values all its
    records share.
    """

    error_id: str
    number: int
    title: str
    stage: str  # "connection", "set-up" or "record"
    support: str  # "never", "optional" or "always"
    count: int
    records: tuple[Record, ...]
    steps: tuple[Step, ...]
    handover: str | None = None
    values: dict[str, str] = field(default_factory=dict, hash=False)

    @property
    def needs_support(self) -> bool:
        """Say whether only Joblogic support can clear this error."""
        return self.support == "always"

    @property
    def first_step(self) -> tuple[str, str]:
        """Return the first step as (where, what to do)."""
        return (self.steps[0].where, self.steps[0].text) if self.steps else ("", "")

    @property
    def shared_values(self) -> dict[str, str]:
        """Return the values every record of this fix has, and has the same."""
        return _shared_values([r.values for r in self.records])

    def to_json(self) -> dict[str, Any]:
        """Return the item as JSON-ready data."""
        return {
            "error_id": self.error_id,
            "number": self.number,
            "title": self.title,
            "stage": self.stage,
            "support": self.support,
            "values": dict(self.values),
            "count": self.count,
            "records": [{"values": dict(r.values), "count": r.count} for r in self.records],
            "steps": [
                {
                    "number": s.number,
                    "option": s.option,
                    "actor": s.actor,
                    "where": s.where,
                    "text": s.text,
                }
                for s in self.steps
            ],
            "handover": self.handover,
        }


@dataclass(frozen=True)
class UnknownFailure:
    """A failure the knowledge base doesn't know: its text as the log has it, and how often."""

    text: str  # the first time it appears, in full
    count: int = 1
    line: int = 1  # where it first appears, 1-based

    def to_json(self) -> dict[str, Any]:
        """Return the failure as JSON-ready data."""
        return {"text": self.text, "count": self.count, "line": self.line}


@dataclass(frozen=True)
class Plan:
    """What a log holds: failures nobody knows first, then the fixes in the order to do them.

    ``ok_lines`` counts the entries that report success or information (not failures);
    ``log_entries`` how many entries the log has in all (0 when triaging matches).
    """

    items: tuple[PlanItem, ...]
    unknown: tuple[UnknownFailure, ...] = ()
    ok_lines: int = 0
    log_entries: int = 0

    @property
    def known_failures(self) -> int:
        """Return how many failures are errors the knowledge base knows."""
        return sum(item.count for item in self.items)

    @property
    def unknown_failures(self) -> int:
        """Return how many failures the knowledge base doesn't know."""
        return sum(failure.count for failure in self.unknown)

    @property
    def failures(self) -> int:
        """Return how many failures the log holds in all, known or not."""
        return self.known_failures + self.unknown_failures

    @property
    def errors(self) -> int:
        """Return how many different known errors the log holds."""
        return len({item.error_id for item in self.items})

    def to_json(self) -> dict[str, Any]:
        """Return the plan as JSON-ready data."""
        return {
            "failures": self.failures,
            "errors": self.errors,
            "fixes": len(self.items),
            "ok_lines": self.ok_lines,
            "unknown": [failure.to_json() for failure in self.unknown],
            "items": [item.to_json() for item in self.items],
        }

    def render(self) -> str:
        """Return the plan as text for a person to work through."""
        lines = [self._headline()]
        if self.ok_lines:
            lines.append(
                f"Not counted: {_count(self.ok_lines, 'line')} reporting success or information."
            )
        if self.unknown:
            lines += ["", "Not in the help guide (send these to Joblogic support as they are):"]
            for failure in self.unknown:
                repeat = f" (×{failure.count})" if failure.count > 1 else ""
                text = failure.text.replace("\n", "\n    ")
                lines.append(f"  - line {failure.line}: {text}{repeat}")
        for number, item in enumerate(self.items, start=1):
            records = [r for r in item.records if r.values]
            size = f", {_count(len(records), 'record')}" if len(records) > 1 else ""
            about = value_summary(item.values)
            lines += [
                "",
                f"Step {number} · {item.number}. {item.title}"
                + (f" ({about})" if about else "")
                + f" — {_count(item.count, 'time')}{size}",
            ]
            if item.needs_support:
                lines.append(f"  Needs Joblogic support. {item.handover or ''}".rstrip())
            else:
                lines.append(f"  {_STAGE_NOTES[item.stage]}")
            for record in records[:_SHOWN_RECORDS]:
                repeat = f" (×{record.count})" if record.count > 1 else ""
                lines.append(f"  - {record.describe()}{repeat}")
            if len(records) > _SHOWN_RECORDS:
                lines.append(f"  - … and {len(records) - _SHOWN_RECORDS} more")
            lines.append("  Fix:")
            lines += [f"    {s.label}. {s.where}: {s.text}" for s in item.steps]
            if item.support == "optional" and item.handover:
                lines.append(f"  Joblogic support can help: {item.handover}")
        return "\n".join(lines)

    def _headline(self) -> str:
        if not self.failures:
            return "Sync log triage: no failures found."
        parts = []
        if self.items:
            parts.append(
                f"{self.known_failures} known ({_count(len(self.items), 'fix', 'fixes')} below, "
                "in the order to do them)"
            )
        if self.unknown:
            parts.append(f"{self.unknown_failures} not in the help guide (listed first)")
        return f"Sync log triage: {_count(self.failures, 'failure')}: {', '.join(parts)}."


def triage(
    matches_or_text: str | Iterable[Match],
    entries: Iterable[ErrorEntry],
    diagnoser: _Diagnoses | None = None,
    actors: Mapping[str, Actor] | None = None,
) -> Plan:
    """Return the plan for a log's text, or for matches already found in it.

    Args:
        matches_or_text: the log itself, or the `Match` es a `Diagnoser` found in it.
        entries: the knowledge base's error entries (titles, steps, support policy).
        diagnoser: one built from ``entries``, to reuse; built when needed if not given.
        actors: who carries out steps, to name them in the steps (ids are kept without).

    Raises:
        ValueError: a match names an error that ``entries`` does not have.
    """
    by_id = {entry.id: entry for entry in entries}
    fixes = _Fixes(by_id)
    if not isinstance(matches_or_text, str):
        for order, match in enumerate(sorted(matches_or_text, key=lambda m: m.span)):
            fixes.add(match, match.count, order)
        return Plan(fixes.items(actors or {}))

    diagnose = _Memo(diagnoser or Diagnoser(by_id.values()))
    unknown: dict[str, list[Any]] = {}  # message -> [first text, count, first line]

    def note(message: str, text: str, line: int) -> None:
        unknown.setdefault(" ".join(message.split()), [text, 0, line])[1] += 1

    ok_lines = 0
    log = _read(matches_or_text)
    for order, entry in enumerate(log):
        if entry.level == OK:
            ok_lines += 1
            continue
        matches = diagnose(entry.message)
        rest = _after_unknown_head(entry, matches, diagnose) if matches else None
        if rest is not None:
            note(entry.head, entry.lines[0].strip(), entry.line)
            matches = rest
        if matches:
            for match in matches:
                fixes.add(match, match.count, order)
        elif _fails(entry):
            note(entry.message, entry.text, entry.line)
        elif _status(entry) == OK:
            ok_lines += 1
    return Plan(
        fixes.items(actors or {}),
        tuple(UnknownFailure(text, count, line) for text, count, line in unknown.values()),
        ok_lines,
        len(log),
    )


class _Memo:
    """A diagnoser's answers, kept: a log repeats its messages (the same failure, retried)."""

    def __init__(self, diagnoser: _Diagnoses) -> None:
        self._diagnoser = diagnoser
        self._found: dict[str, list[Match]] = {}

    def __call__(self, text: str) -> list[Match]:
        found = self._found.get(text)
        if found is None:
            # An approximate match the engine is not sure of is not asserted in a plan: the
            # line is listed in full as a failure the guide doesn't explain.
            found = [m for m in self._diagnoser.diagnose(text) if m.sure]
            self._found[text] = found
        return found


@dataclass
class _Entry:
    """One entry of a log: its lines, and what its first line's start says of it."""

    line: int  # 1-based
    lines: list[str]
    level: str | None  # OK or FAILED if a level word says so
    body: int  # where the first line's message starts (after timestamp and level)
    stamp: int  # where the first line's text starts (after its timestamp)
    status: str | None = None  # what its words say, once read
    read: bool = False

    @property
    def text(self) -> str:
        """Return the entry as the log has it."""
        return "\n".join(self.lines).strip()

    @property
    def message(self) -> str:
        """Return the entry without its timestamp: what is diagnosed."""
        return "\n".join([self.lines[0][self.stamp :], *self.lines[1:]]).strip()

    @property
    def head(self) -> str:
        """Return the entry's first line without its timestamp."""
        return self.lines[0][self.stamp :].strip()


def _read(text: str) -> list[_Entry]:
    """Split a log into entries; see the module's description.

    A line without a timestamp, level or record of its own continues the entry above when it
    is indented or JSON, or when neither it nor that entry reports a success: then it is a
    wrapped message. Otherwise it is an entry of its own ("Completed", "Skipped").
    """
    log: list[_Entry] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        stamped, level, body, stamp = _head(line)
        if log and not (
            stamped or level is not None or _RECORD.match(line, _skip_marks(line, body))
        ):
            last = log[-1]
            if _CONTINUATION.match(line) or (_words_status(line) != OK and _verdict(last) != OK):
                last.lines.append(line)
                last.read = False
                continue
        log.append(_Entry(number, [line], level, body, stamp))
    return log


def _head(line: str) -> tuple[bool, str | None, int, int]:
    """Read a line's start: timestamped?, its level, where its message and its text start.

    The text starts after the timestamp; the message after the level too. A level word counts
    when the log plainly writes it as one: in capitals, on a timestamped line, or set off as
    ``[Info]``, ``Error:`` or a column.
    """
    stamped, level, body, stamp, words = False, None, 0, 0, 0
    if line[:1].isspace():  # an indented line goes on from the one above
        return stamped, level, body, stamp
    tokens = _TOKEN.finditer(line)
    token = next(tokens, None)
    while token is not None:
        text = token.group()
        following = next(tokens, None)
        if words == 0 and _STAMP.fullmatch(text):
            # A small number alone is a count ("0 errors"), unless a month follows ("1 May").
            if _SMALL_NUMBER.fullmatch(text) and (
                following is None or following.group().lower().rstrip(",.") not in _MONTHS_AND_DAYS
            ):
                words += 1
                token = following
                continue
            # A date or a time makes a timestamp; a year or a day alone doesn't.
            stamped = stamped or not text.isalnum() or text.lower() in _MONTHS_AND_DAYS
            body = stamp = token.end()
            token = following
            continue
        word = text.strip(":,;.-=*#").lower().rpartition(".")[2].rpartition("=")[2]
        if not word:  # punctuation
            if words == 0:
                body = token.end()
        elif word in _LEVELS and (stamped or text.isupper() or _set_off(line, token)):
            level = _LEVELS[word]
            if words == 0:
                body = token.end()
            break
        else:
            words += 1
            if words == _HEAD_WORDS:
                break
        token = following
    return stamped, level, body, stamp


def _set_off(line: str, token: re.Match[str]) -> bool:
    # A tab or bar sets a column off, not the indent of a line that continues another.
    before = line[token.start() - 1] if line[: token.start()].strip() else ""
    after = line[token.end()] if token.end() < len(line) else ""
    return (
        token.group().endswith(":")
        or "=" in token.group()
        or (before != "" and before in "[<|(\t")
        or (after != "" and after in "]>|)\t")
    )


def _skip_marks(line: str, start: int) -> int:
    while start < len(line) and line[start] in " \t-:|]>)":
        start += 1
    return start


def _verdict(entry: _Entry) -> str | None:
    """Return what an entry's shape says before it is diagnosed: its level, else its words."""
    return entry.level if entry.level is not None else _status(entry)


def _fails(entry: _Entry) -> bool:
    """Say whether an entry no known error explains still reports a failure."""
    if entry.level is not None:
        return entry.level == FAILED
    status = _status(entry)
    if status is not None:
        return status == FAILED
    return _RECORD.match(entry.lines[0], _skip_marks(entry.lines[0], entry.body)) is not None


def _after_unknown_head(entry: _Entry, matches: list[Match], diagnose: _Memo) -> list[Match] | None:
    """Return the matches of an entry's later lines if its first line is a failure of its own.

    That is, a first line that says it failed (``Contact: Acme - Contact name must be unique``),
    that no known error explains, above lines holding known errors; None otherwise (the usual
    case: the lines under a message continue it).
    """
    if len(entry.lines) < 2:
        return None
    first = entry.lines[0].rstrip()
    body = _skip_marks(first, entry.body)
    if first.endswith(_OPEN_ENDS) or (
        _RECORD.match(first, body) is None and _words_status(first[body:]) != FAILED
    ):
        return None
    if diagnose(entry.head):
        return None
    rest = diagnose("\n".join(entry.lines[1:]).strip())
    # The same errors, values and confidence without it: it gave them nothing (no prefix, no
    # part of a message).
    return rest if _found(rest) == _found(matches) else None


def _found(matches: list[Match]) -> list[tuple[str, list[tuple[str, str]], int, float]]:
    return sorted((m.error_id, sorted(m.values.items()), m.count, m.confidence) for m in matches)


def _status(entry: _Entry) -> str | None:
    """Return what an entry's status words say: FAILED if any failure, else OK if any."""
    if not entry.read:
        entry.status = _words_status(" ".join([entry.lines[0][entry.body :], *entry.lines[1:]]))
        entry.read = True
    return entry.status


def _words_status(text: str) -> str | None:
    """Read status words: "failed", "not synced" fail; "synced", "no errors", "0 failed" don't.

    A status counted ("158 synced, 16 failed", "Errors: 0") is a summary, not a failure.
    """
    words = _WORD.findall(text.lower().translate(_APOSTROPHES))
    said: set[str] = set()
    i = 0
    while i < len(words):
        for size in range(_LONGEST_STATUS, 0, -1):
            status = _STATUS.get(tuple(words[i : i + size]))
            if status is not None:
                break
        else:
            i += 1
            continue
        before = [w for w in words[max(0, i - 3) : i] if w not in _FILLERS]
        after = words[i + size : i + size + 2]
        if words[i] in _COUNTED and (
            (
                i
                and words[i - 1].replace(",", "").isdigit()
                and (words[i - 2] if i > 1 else "") in _BEFORE_COUNT
            )
            or (len(after) == 2 and after[0] in ":=" and after[1].isdigit())
        ):
            status = OK  # a count: a summary, not a failure
        elif before and (before[-1] in _NEGATIONS or before[-1].endswith("n't")):
            status = OK if status == FAILED else FAILED
        said.add(status)
        i += size
    if FAILED in said:
        return FAILED
    return OK if said else None


class _Fixes:
    """Known failures grouped into fixes: by error, and by the values its steps change."""

    def __init__(self, by_id: Mapping[str, ErrorEntry]) -> None:
        self._by_id = by_id
        self._changes: dict[str, tuple[str, ...]] = {}
        # (error id, fix values) -> record values -> [count, first seen]
        self._groups: dict[tuple[str, tuple[tuple[str, str], ...]], dict[Any, list[int]]] = {}
        self._first: dict[tuple[str, tuple[tuple[str, str], ...]], int] = {}

    def add(self, match: Match, count: int, order: int) -> None:
        entry = self._by_id.get(match.error_id)
        if entry is None:
            raise ValueError(f"match for {match.error_id!r}, which is not among the entries")
        changes = self._changes.get(entry.id)
        if changes is None:
            changes = self._changes[entry.id] = _changed_values(entry)
        key = (entry.id, tuple((n, match.values[n]) for n in changes if match.values.get(n)))
        records = self._groups.get(key)
        if records is None:
            records = self._groups[key] = {}
            self._first[key] = order
        record = tuple(sorted(match.values.items()))
        seen = records.get(record)
        if seen is None:
            records[record] = [count, order]
        else:
            seen[0] += count

    def items(self, actors: Mapping[str, Actor]) -> tuple[PlanItem, ...]:
        self._merge_partial()
        items = []
        for key, records in self._groups.items():
            entry = self._by_id[key[0]]
            ordered = sorted(records.items(), key=lambda kv: (-kv[1][0], kv[1][1]))
            found = tuple(Record(dict(values), seen[0]) for values, seen in ordered)
            shared = _shared_values([r.values for r in found])
            items.append(
                (
                    self._first[key],
                    PlanItem(
                        error_id=entry.id,
                        number=entry.number,
                        title=entry.title,
                        stage=_stage(entry),
                        support=entry.support,
                        count=sum(r.count for r in found),
                        records=found,
                        steps=advise(entry, shared, actors).steps,
                        handover=entry.handover,
                        values=dict(key[1]),
                    ),
                )
            )
        items.sort(key=lambda p: (_rank(p[1]), -len(p[1].records), -p[1].count, p[1].number, p[0]))
        return tuple(item for _, item in items)

    def _merge_partial(self) -> None:
        """Join a fix missing some values to the one fix of its error that has them too.

        A message cut off before its account code is the same fix as the one with the code.
        """
        wider: dict[tuple[str, tuple[str, str]], list[Any]] = {}
        for key in self._groups:
            for value in key[1]:
                wider.setdefault((key[0], value), []).append(key)
        for key in sorted(self._groups, key=lambda k: len(k[1])):
            error_id, values = key
            if len(values) == len(self._changes[error_id]):
                continue
            if values:
                candidates = wider[(error_id, values[0])]
            else:
                candidates = [k for k in self._groups if k[0] == error_id]
            within = [
                k for k in candidates if k in self._groups and k != key and set(values) < set(k[1])
            ]
            if len(within) != 1:
                continue
            target = self._groups[within[0]]
            for record, (count, order) in self._groups.pop(key).items():
                seen = target.setdefault(record, [0, order])
                seen[0] += count
                seen[1] = min(seen[1], order)
            self._first[within[0]] = min(self._first[within[0]], self._first.pop(key))


def _changed_values(entry: ErrorEntry) -> tuple[str, ...]:
    """Return the values the entry's fix steps use, other than the record's own name.

    The record's name is the first value of Joblogic's prefix (``Invoice: {invoice_number}``):
    one fix can clear many records, but not many tax codes.
    """
    names = [
        name for step in entry.steps for text in step.text for name in PLACEHOLDER.findall(text)
    ]
    record = PLACEHOLDER.findall(entry.prefix or "")[:1]
    return tuple(dict.fromkeys(n for n in names if n not in record))


def _stage(entry: ErrorEntry) -> str:
    if entry.record_type in _CONNECTION_RECORD_TYPES:
        return CONNECTION
    if entry.record_type in _SET_UP_RECORD_TYPES or (
        entry.steps and entry.steps[0].where.startswith(_SET_UP_PLACE)
    ):
        return SET_UP
    return RECORD


def _rank(item: PlanItem) -> int:
    return len(_STAGE_ORDER) if item.needs_support else _STAGE_ORDER[item.stage]


def _shared_values(values: list[dict[str, str]]) -> dict[str, str]:
    """Return the values every record has, and has the same."""
    if not values:
        return {}
    shared = dict(values[0])
    for other in values[1:]:
        shared = {k: v for k, v in shared.items() if other.get(k) == v}
        if not shared:
            break
    return shared


def _count(number: int, noun: str, plural: str = "") -> str:
    return f"{number} {noun if number == 1 else plural or noun + 's'}"
