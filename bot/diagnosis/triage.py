"""Turn a whole sync log into a plan: which errors, how often, which records, what to do first.

The order comes from the entries' data, not from knowledge of particular errors: problems with
the connection to Xero first (until Xero answers nothing else can sync), then set-up in Xero's
chart of accounts and tax rates (one fix clears every record it blocks), then errors about
single records; errors only Joblogic support can clear come last, flagged.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from bot.advice import fill
from bot.diagnosis.engine import Diagnoser, Match
from bot.kb.source import ErrorEntry

__all__ = ["Plan", "PlanItem", "Record", "triage"]

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
# How a value is named when a record is listed, most identifying first.
_LABELS = {
    "invoice_number": "invoice {}",
    "credit_note_number": "credit note {}",
    "account_name": 'account "{}"',
    "amount": "£{}",
    "tax_code": "tax code {}",
    "account_code": "account code {}",
}
_SHOWN_RECORDS = 12


@dataclass(frozen=True)
class Record:
    """One failing record the log names (by its values), and how many times it failed."""

    values: dict[str, str] = field(hash=False)
    count: int = 1

    def describe(self) -> str:
        """Return the record in words, e.g. ``invoice INV-1, tax code OUTPUT2``."""
        names = sorted(
            self.values, key=lambda n: (list(_LABELS).index(n) if n in _LABELS else len(_LABELS), n)
        )
        parts = [
            _LABELS.get(name, name.replace("_", " ") + " {}").format(self.values[name])
            for name in names
        ]
        return ", ".join(parts) if parts else "record not named in the log"


@dataclass(frozen=True)
class PlanItem:
    """One error in the plan: what it is, how often, which records, and the first thing to do."""

    error_id: str
    number: int
    title: str
    stage: str  # "connection", "set-up" or "record"
    support: str  # "never", "optional" or "always"
    count: int
    records: tuple[Record, ...]
    first_step: tuple[str, str]  # (where, what to do), filled with the values all records share
    handover: str | None = None

    @property
    def needs_support(self) -> bool:
        """Say whether only Joblogic support can clear this error."""
        return self.support == "always"

    def to_json(self) -> dict[str, Any]:
        """Return the item as JSON-ready data."""
        return {
            "error_id": self.error_id,
            "number": self.number,
            "title": self.title,
            "stage": self.stage,
            "support": self.support,
            "count": self.count,
            "records": [{"values": dict(r.values), "count": r.count} for r in self.records],
            "first_step": {"where": self.first_step[0], "text": self.first_step[1]},
            "handover": self.handover,
        }


@dataclass(frozen=True)
class Plan:
    """The errors of a log in the order to tackle them, and lines no known error explains."""

    items: tuple[PlanItem, ...]
    unrecognised: tuple[str, ...] = ()

    @property
    def failures(self) -> int:
        """Return how many error messages the log holds in all."""
        return sum(item.count for item in self.items)

    def to_json(self) -> dict[str, Any]:
        """Return the plan as JSON-ready data."""
        return {
            "errors": len(self.items),
            "failures": self.failures,
            "items": [item.to_json() for item in self.items],
            "unrecognised": list(self.unrecognised),
        }

    def render(self) -> str:
        """Return the plan as text for a person to work through."""
        lines: list[str] = []
        if self.items:
            lines.append(
                f"Sync log triage: {_count(len(self.items), 'error')}, "
                f"{_count(self.failures, 'failure')}. Work through them in this order."
            )
        else:
            lines.append("Sync log triage: no known Xero sync errors found.")
        for step, item in enumerate(self.items, start=1):
            records = [r for r in item.records if r.values]
            size = f", {_count(len(records), 'record')}" if len(records) > 1 else ""
            lines += [
                "",
                f"Step {step} · {item.number}. {item.title} — {_count(item.count, 'time')}{size}",
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
            where, text = item.first_step
            lines.append(f"  First: {where}: {text}")
            if item.support == "optional" and item.handover:
                lines.append(f"  Joblogic support can help: {item.handover}")
        if self.unrecognised:
            lines += ["", "Lines not recognised (not in the help guide; send them to support):"]
            lines += [f"  - {line}" for line in self.unrecognised[:_SHOWN_RECORDS]]
            if len(self.unrecognised) > _SHOWN_RECORDS:
                lines.append(f"  - … and {len(self.unrecognised) - _SHOWN_RECORDS} more")
        return "\n".join(lines)


def triage(
    matches_or_text: str | Iterable[Match],
    entries: Iterable[ErrorEntry],
    diagnoser: Diagnoser | None = None,
) -> Plan:
    """Return the plan for a log's text, or for matches already found in it.

    Args:
        matches_or_text: the log itself, or the `Match` es a `Diagnoser` found in it.
        entries: the knowledge base's error entries (titles, steps, support policy).
        diagnoser: one built from ``entries``, to reuse; built when needed if not given.

    Raises:
        ValueError: a match names an error that ``entries`` does not have.
    """
    by_id = {entry.id: entry for entry in entries}
    unrecognised: tuple[str, ...] = ()
    if isinstance(matches_or_text, str):
        diagnoser = diagnoser or Diagnoser.from_entries(by_id.values())
        matches = diagnoser.diagnose(matches_or_text)
        unrecognised = tuple(diagnoser.unrecognised(matches_or_text))
    else:
        matches = list(matches_or_text)
    grouped: dict[str, list[Match]] = {}
    for match in sorted(matches, key=lambda m: m.span):
        if match.error_id not in by_id:
            raise ValueError(f"match for {match.error_id!r}, which is not among the entries")
        grouped.setdefault(match.error_id, []).append(match)
    items = [_item(by_id[error_id], found) for error_id, found in grouped.items()]
    items.sort(key=lambda i: (_rank(i), -len(i.records), -i.count, i.number))
    return Plan(tuple(items), unrecognised)


def _item(entry: ErrorEntry, matches: list[Match]) -> PlanItem:
    # Most often failing first, then in the order the log names them.
    ordered = sorted(matches, key=lambda m: (-m.count, m.span))
    records = tuple(Record(dict(m.values), m.count) for m in ordered)
    shared = _shared_values([r.values for r in records])
    step = entry.steps[0] if entry.steps else None
    first_step = (step.where, fill(step.text, shared)) if step else ("", "")
    return PlanItem(
        error_id=entry.id,
        number=entry.number,
        title=entry.title,
        stage=_stage(entry),
        support=entry.support,
        count=sum(m.count for m in matches),
        records=records,
        first_step=first_step,
        handover=entry.handover,
    )


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
    return shared


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"
