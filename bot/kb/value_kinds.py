"""Read the registry of value kinds (``data/kb/value_kinds.yml``): invoice number, tax code...

The registry is the one place that knows a kind of value: its name (the ``{placeholder}``, the
entity and the slot), how it is named to a customer, what it looks like, which fields of Xero's
replies give it, and how customers name it. The diagnosis engine, the spaCy labels, the
summaries, the generated domain and the test and bench samples all read it from here.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

__all__ = [
    "DEFAULT_FILE",
    "FILE_NAME",
    "EnvelopeFields",
    "EnvelopeTables",
    "ValueKind",
    "ValueKinds",
    "ValueKindsError",
    "read_value_kinds",
    "value_kinds",
    "value_summary",
]

#: The registry's file name, in the knowledge base's source folder.
FILE_NAME = "value_kinds.yml"
DEFAULT_FILE = Path(__file__).resolve().parents[2] / "data" / "kb" / FILE_NAME

_NAME = re.compile(r"^[a-z]+(?:_[a-z]+)*$")
_FIELD = re.compile(r"^[A-Za-z][A-Za-z0-9]*$")
_REQUIRED = {
    "name",
    "label",
    "summary",
    "guide",
    "pattern",
    "quoted_by_xero",
    "examples",
    "customer_labels",
    "envelope",
}
_OPTIONAL = {"self_evident", "after_label", "bounded"}
#: The quote marks a value ``bounded`` may stand between (one character each, for look-arounds).
_QUOTE_MARKS = "'\"`\u2018\u2019\u201c\u201d"
_ENVELOPE = ("record", "child", "account", "line_items")
#: What a value after a label must have when its kind doesn't say: a digit.
HAS_DIGIT = r"(?=.*\d)"


class ValueKindsError(ValueError):
    """The registry of value kinds is malformed; the message names the file and the kind."""


@dataclass(frozen=True)
class EnvelopeFields:
    """The fields of Xero's replies (JSON keys, XML elements) that give a kind's value."""

    record: tuple[str, ...] = ()  # a record's own field: InvoiceNumber
    child: tuple[tuple[str, str], ...] = ()  # one object down: (Invoice, InvoiceNumber)
    account: tuple[str, ...] = ()  # a field of an account of the chart: Code, Name
    line_items: tuple[str, ...] = ()  # a line items' field, when every line agrees: TaxType


@dataclass(frozen=True)
class EnvelopeTables:
    """Every kind's envelope fields, lower-cased, each mapped to the kind's name."""

    record: dict[str, str]
    child: dict[tuple[str, str], str]
    account: dict[str, str]
    line_items: dict[str, str]


@dataclass(frozen=True)
class ValueKind:
    """One kind of value a sync error message carries (see the registry's notes per field)."""

    name: str
    label: str
    summary: str  # with {value}: 'invoice {value}', '£{value}'
    guide: str  # the help guide's [placeholder]
    pattern: str  # a regex without capturing groups
    quoted_by_xero: bool
    examples: tuple[str, ...]
    customer_labels: tuple[str, ...]
    envelope: EnvelopeFields
    self_evident: str | None = None
    after_label: str = HAS_DIGIT
    bounded: str | None = None  # a wider regex for the value where its end is certain

    @property
    def shape(self) -> str:
        """Return the regex for a value of this kind: between quote marks, ``bounded`` if any."""
        if self.bounded is None:
            return self.pattern
        marks = f"[{_QUOTE_MARKS}]"
        return f"(?:(?<={marks})(?:{self.bounded})(?={marks})|(?:{self.pattern}))"

    def describe(self, value: str) -> str:
        """Return the value as a summary names it: ``invoice INV-1``, ``£12.50``."""
        return self.summary.replace("{value}", value)


@dataclass(frozen=True, eq=False)  # one registry is one object: hashed by identity, cheaply
class ValueKinds:
    """The registry: every kind of value, in the order a summary names them."""

    kinds: tuple[ValueKind, ...]
    other_pattern: str  # for a placeholder no kind names (an entry built in code for a test)
    path: Path | None = field(default=None, compare=False)

    def __iter__(self) -> Iterator[ValueKind]:
        """Iterate over the kinds, in order."""
        return iter(self.kinds)

    def __len__(self) -> int:
        """Return how many kinds there are."""
        return len(self.kinds)

    @cached_property
    def names(self) -> tuple[str, ...]:
        """Return the kinds' names (placeholders, entities and slots), in order."""
        return tuple(kind.name for kind in self.kinds)

    @cached_property
    def _by_name(self) -> dict[str, ValueKind]:
        return {kind.name: kind for kind in self.kinds}

    def get(self, name: str) -> ValueKind | None:
        """Return the kind named ``name``, or None if there is none."""
        return self._by_name.get(name)

    def pattern(self, name: str) -> str:
        """Return the regex for a value of placeholder ``name`` (no capturing group)."""
        kind = self._by_name.get(name)
        return kind.shape if kind else self.other_pattern

    def bounded(self, name: str) -> str | None:
        """Return the wider regex for a value of ``name`` whose end is certain, if it has one."""
        kind = self._by_name.get(name)
        return kind.bounded if kind else None

    def summary(self, values: Mapping[str, str]) -> str:
        """Return values in a few words: ``invoice INV-1, tax code OUTPUT2, £12.50``.

        Known kinds come in the registry's order; any other name after them, by name.
        """
        known = [kind.describe(values[kind.name]) for kind in self.kinds if values.get(kind.name)]
        others = [
            f"{name.replace('_', ' ')} {values[name]}"
            for name in sorted(values)
            if name not in self._by_name and values[name]
        ]
        return ", ".join(known + others)

    @cached_property
    def envelope_tables(self) -> EnvelopeTables:
        """Return the envelope fields of every kind, lower-cased, to read Xero's replies by."""
        tables = EnvelopeTables({}, {}, {}, {})
        for kind in self.kinds:
            fields = kind.envelope
            tables.record.update((f.lower(), kind.name) for f in fields.record)
            tables.child.update(((o.lower(), f.lower()), kind.name) for o, f in fields.child)
            tables.account.update((f.lower(), kind.name) for f in fields.account)
            tables.line_items.update((f.lower(), kind.name) for f in fields.line_items)
        return tables


def value_kinds(path: Path | None = None) -> ValueKinds:
    """Return the registry read from ``path``, the project's by default (read once per path)."""
    return _cached(DEFAULT_FILE if path is None else path.resolve())


@functools.cache
def _cached(path: Path) -> ValueKinds:
    return read_value_kinds(path)


def value_summary(values: Mapping[str, str]) -> str:
    """Return values in a few words, by the project's registry (see `ValueKinds.summary`)."""
    return value_kinds().summary(values)


def read_value_kinds(path: Path = DEFAULT_FILE) -> ValueKinds:
    """Read and check the registry of value kinds at ``path``."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ValueKindsError(f"{path}: file not found") from None
    except yaml.YAMLError as problem:
        raise ValueKindsError(f"{path}: not valid YAML: {problem}") from None
    if not isinstance(raw, Mapping) or set(raw) != {"other_pattern", "kinds"}:
        raise ValueKindsError(f"{path}: needs exactly the fields other_pattern and kinds")
    if not isinstance(raw["kinds"], list) or not raw["kinds"]:
        raise ValueKindsError(f"{path}: kinds must be a list of at least one kind")
    kinds = tuple(_kind(item, f"{path}: kinds item {n}") for n, item in enumerate(raw["kinds"], 1))
    names = [kind.name for kind in kinds]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise ValueKindsError(f"{path}: repeated kind name: {', '.join(repeated)}")
    return ValueKinds(kinds, _regex(raw["other_pattern"], f"{path}: other_pattern"), path)


def _kind(raw: Any, where: str) -> ValueKind:
    if not isinstance(raw, Mapping) or not _REQUIRED <= set(raw) <= _REQUIRED | _OPTIONAL:
        raise ValueKindsError(
            f"{where} needs the fields {sorted(_REQUIRED)} and, optionally, {sorted(_OPTIONAL)}"
        )
    name = raw["name"]
    if not isinstance(name, str) or not _NAME.match(name):
        raise ValueKindsError(f"{where}: name {name!r} is not a lowercase_underscored name")
    where = f"{where} ({name})"
    texts = {key: raw[key] for key in ("label", "summary", "guide")}
    for key, text in texts.items():
        if not isinstance(text, str) or not text.strip():
            raise ValueKindsError(f"{where}: {key} must be text")
    if texts["summary"].count("{value}") != 1:
        raise ValueKindsError(f"{where}: summary must hold {{value}} once")
    pattern = _regex(raw["pattern"], f"{where}: pattern")
    examples = _texts(raw["examples"], f"{where}: examples")
    if not examples:
        raise ValueKindsError(f"{where}: examples needs at least one value")
    for example in examples:
        if not re.fullmatch(pattern, example):
            raise ValueKindsError(f"{where}: example {example!r} doesn't match its pattern")
    if not isinstance(raw["quoted_by_xero"], bool):
        raise ValueKindsError(f"{where}: quoted_by_xero must be true or false")
    evident = raw.get("self_evident")
    bounded = raw.get("bounded")
    return ValueKind(
        name=name,
        label=texts["label"].strip(),
        summary=texts["summary"],
        guide=texts["guide"].strip(),
        pattern=pattern,
        quoted_by_xero=raw["quoted_by_xero"],
        examples=examples,
        customer_labels=_texts(raw["customer_labels"], f"{where}: customer_labels"),
        envelope=_envelope(raw["envelope"], f"{where}: envelope"),
        self_evident=None if evident is None else _regex(evident, f"{where}: self_evident"),
        after_label=_regex(raw.get("after_label", HAS_DIGIT), f"{where}: after_label", empty=True),
        bounded=None if bounded is None else _regex(bounded, f"{where}: bounded"),
    )


def _envelope(raw: Any, where: str) -> EnvelopeFields:
    if raw is None:
        return EnvelopeFields()
    if not isinstance(raw, Mapping) or not set(raw) <= set(_ENVELOPE):
        raise ValueKindsError(f"{where} may have only the fields {list(_ENVELOPE)}")
    found = {key: _texts(raw.get(key, []), f"{where}: {key}") for key in _ENVELOPE}
    children = []
    for path in found.pop("child"):
        parts = tuple(path.split("."))
        if len(parts) != 2 or not all(_FIELD.match(p) for p in parts):
            raise ValueKindsError(f"{where}: child {path!r} must be Object.Field")
        children.append((parts[0], parts[1]))
    for key, names in found.items():
        for name in names:
            if not _FIELD.match(name):
                raise ValueKindsError(f"{where}: {key}: {name!r} is not a field name")
    return EnvelopeFields(child=tuple(children), **found)


def _texts(raw: Any, where: str) -> tuple[str, ...]:
    if not isinstance(raw, list) or not all(isinstance(t, str) and t.strip() for t in raw):
        raise ValueKindsError(f"{where} must be a list of texts")
    return tuple(raw)


def _regex(raw: Any, where: str, *, empty: bool = False) -> str:
    """Return ``raw`` if it is a regex without capturing groups (empty only if ``empty``)."""
    if not isinstance(raw, str) or (not raw and not empty):
        raise ValueKindsError(f"{where} must be a regular expression")
    try:
        compiled = re.compile(raw)
    except re.error as problem:
        raise ValueKindsError(f"{where}: not a regular expression: {problem}") from None
    if compiled.groups:
        raise ValueKindsError(f"{where} must have no capturing groups: use (?:...)")
    return raw
