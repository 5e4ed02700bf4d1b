"""Read the knowledge base's source data (YAML under ``data/kb``) into plain dataclasses.

The YAML files are the one place where facts about a sync error live. This module only
parses and checks them; :mod:`bot.kb.load` writes them to the database.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, overload

import yaml

from bot.kb.value_kinds import FILE_NAME, ValueKinds, ValueKindsError, read_value_kinds, value_kinds

__all__ = [
    "Actor",
    "Contact",
    "DEFAULT_SOURCE_DIR",
    "ErrorEntry",
    "FixStep",
    "Link",
    "PLACEHOLDER",
    "PLACEHOLDERS",
    "RecordType",
    "SIDES",
    "SOURCES_FILE",
    "Side",
    "Source",
    "SourceError",
    "read_source",
]

DEFAULT_SOURCE_DIR = Path(__file__).resolve().parents[2] / "data" / "kb"
#: The list of the examples' sources, beside the knowledge base's folder: ``data/sources.yml``.
SOURCES_FILE = "sources.yml"


class _Placeholders(Sequence[str]):
    """The names of the project's value kinds (``data/kb/value_kinds.yml``), read on first use.

    A view, not a copy: importing this module reads no file.
    """

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[str]: ...

    def __getitem__(self, index: int | slice) -> str | Sequence[str]:
        return value_kinds().names[index]

    def __len__(self) -> int:
        return len(value_kinds().names)

    def __iter__(self) -> Iterator[str]:
        return iter(value_kinds().names)

    def __contains__(self, name: object) -> bool:
        return name in value_kinds().names

    def __repr__(self) -> str:
        return f"PLACEHOLDERS{value_kinds().names!r}"


#: The values a sync error message can carry, as placeholders in templates: ``{tax_code}``;
#: the names of the kinds in the registry of value kinds (`bot.kb.value_kinds`).
PLACEHOLDERS: Sequence[str] = _Placeholders()
SUPPORT_POLICIES = ("never", "optional", "always")
#: Whose side an error's fix is on: Xero itself, a setting in Joblogic, the customer's own
#: records or set-up (in Xero or Joblogic), or Joblogic support.
SIDES = ("xero", "joblogic-settings", "your-data", "joblogic-support")
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
#: A placeholder in a template: ``{invoice_number}``; group 1 is its name.
PLACEHOLDER = re.compile(r"\{(\w+)\}")


class SourceError(ValueError):
    """The knowledge base's source data is malformed; the message names the file and field."""


@dataclass(frozen=True)
class Contact:
    """A way to reach Joblogic people (phone or email)."""

    id: str
    team: str
    kind: str  # "phone" | "email"
    value: str
    purpose: str


@dataclass(frozen=True)
class Actor:
    """Who carries out a fix step."""

    id: str
    label: str


@dataclass(frozen=True)
class RecordType:
    """A kind of record a sync error concerns (invoice, payment, ...).

    ``words`` name it in any sentence; ``answers`` only when answering "which kind of record?".
    """

    id: str
    label: str
    words: tuple[str, ...] = field(default=(), compare=False)
    answers: tuple[str, ...] = field(default=(), compare=False)


@dataclass(frozen=True)
class Link:
    """A web page the customer can use (e.g. Xero's status page)."""

    title: str
    url: str


@dataclass(frozen=True)
class FixStep:
    """One step of a fix: who acts, where, and what to do.

    ``text`` holds wordings, most specific first; the first whose placeholders are all known is
    shown (see :func:`bot.advice.fill`).

    ``choice`` is None for a step of the sequence, which every customer takes. Steps that are
    alternative routes (an ``either:`` in the source: the customer takes one of them, not all)
    share a ``choice``: the position of that ``either:`` among the fix's items, from 1.
    """

    actor: str
    where: str
    text: tuple[str, ...]
    choice: int | None = None


@dataclass(frozen=True)
class Side:
    """Whose side an error's fix is on (one of :data:`SIDES`), and a sentence saying why.

    ``text`` holds alternatives, most specific first, as an explanation does.
    """

    party: str
    text: tuple[str, ...]


@dataclass(frozen=True)
class ErrorEntry:
    """Everything syncdesk knows about one sync error.

    ``examples`` (how customers describe the error, with any ``[value](entity)`` annotations) is
    training data: ``python -m bot kb generate`` writes it into the NLU data, and it is not
    loaded into the database, so entries read back from the database have none.

    ``cause``, ``side`` and ``if_ignored`` answer the customer's questions about the error
    (why it happens, whose side the fix is on, what happens if it is left); the source files
    must give them, but they default to empty so an entry can be built in code for a test.
    """

    id: str
    number: int
    title: str
    short_title: str
    record_type: str
    message: str  # exactly as the help guide quotes it, with [placeholders]
    phrases: tuple[str, ...]  # Xero's wording; each one alone identifies the error
    explanation: tuple[str, ...]  # alternatives, most specific first
    steps: tuple[FixStep, ...]
    support: str  # "never" | "optional" | "always"
    prefix: str | None = None  # Joblogic's line prefix, e.g. "Invoice: {invoice_number} -"
    handover: str | None = None
    links: tuple[Link, ...] = ()
    confirm_fix: bool = True  # ask "did that fix it?" after the steps (not when Xero is down)
    cause: tuple[str, ...] = ()  # why it happens; alternatives, most specific first
    side: Side | None = None
    if_ignored: tuple[str, ...] = ()  # what follows if it is left; alternatives
    twin: str | None = None  # the same failure on another kind of record (payment/credit note)
    examples: tuple[str, ...] = field(default=(), compare=False)


@dataclass(frozen=True)
class Source:
    """The whole knowledge base as read from its source files."""

    errors: tuple[ErrorEntry, ...]
    contacts: tuple[Contact, ...]
    actors: tuple[Actor, ...]
    record_types: tuple[RecordType, ...]
    files: tuple[Path, ...] = field(default=(), compare=False)
    #: Facts about the desk the help guide doesn't give (``settings:`` in ``desk.yml``);
    #: None means unset: syncdesk doesn't know, and says so.
    settings: Mapping[str, str | None] = field(default_factory=dict)
    #: The kinds of value the errors' templates may name (``value_kinds.yml``).
    value_kinds: ValueKinds = field(default_factory=value_kinds, compare=False)

    def error(self, error_id: str) -> ErrorEntry:
        """Return the error with this id."""
        for entry in self.errors:
            if entry.id == error_id:
                return entry
        raise KeyError(error_id)


def read_source(directory: Path = DEFAULT_SOURCE_DIR) -> Source:
    """Read and check ``desk.yml`` and every ``errors/*.yml`` under ``directory``.

    When ``sources.yml`` sits beside ``directory`` (``data/sources.yml``), every example that
    names a source must name one listed there for training, never a held-out one. The kinds of
    value are ``value_kinds.yml`` in ``directory``; a folder without one (a copy of the errors
    for a test) uses the project's.
    """
    kinds_file = directory / FILE_NAME
    try:
        kinds = read_value_kinds(kinds_file) if kinds_file.exists() else value_kinds()
    except ValueKindsError as problem:
        raise SourceError(str(problem)) from None
    desk_file = directory / "desk.yml"
    desk = _load_yaml(desk_file)
    contacts = tuple(Contact(**_fields(c, Contact, desk_file)) for c in desk["contacts"])
    actors = tuple(Actor(**_fields(a, Actor, desk_file)) for a in desk["actors"])
    record_types = tuple(
        RecordType(
            **{  # type: ignore[arg-type]  # _fields checked the names; lists become tuples
                name: tuple(value) if isinstance(value, list) else value
                for name, value in _fields(r, RecordType, desk_file).items()
            }
        )
        for r in desk["record_types"]
    )
    error_files = sorted((directory / "errors").glob("*.yml"))
    splits = _source_splits(directory.parent / SOURCES_FILE)
    errors = tuple(
        _read_error(path, {a.id for a in actors}, {r.id for r in record_types}, splits, kinds)
        for path in error_files
    )
    _check_unique(errors, desk_file)
    _check_twins(errors, directory / "errors")
    _check_examples_unique(errors, directory / "errors")
    return Source(
        errors=tuple(sorted(errors, key=lambda e: e.number)),
        contacts=contacts,
        actors=actors,
        record_types=record_types,
        files=(desk_file, *error_files),
        settings=_settings(desk.get("settings"), desk_file),
        value_kinds=kinds,
    )


def _settings(raw: Any, path: Path) -> dict[str, str | None]:
    """Return the desk's settings: each a name and one line of text, or null for unset."""
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise SourceError(f"{path}: settings must be a mapping of names to text (or null)")
    settings: dict[str, str | None] = {}
    for name, value in raw.items():
        if not isinstance(name, str) or not SLUG.match(name.replace("_", "-")):
            raise SourceError(f"{path}: settings: {name!r} is not a lowercase_underscored name")
        if value is not None and (not isinstance(value, str) or not value.strip()):
            raise SourceError(f"{path}: settings: {name} must be text, or null for unset")
        settings[name] = value.strip() if isinstance(value, str) else None
    return settings


def _read_error(
    path: Path,
    actors: set[str],
    record_types: set[str],
    splits: Mapping[str, str] | None,
    kinds: ValueKinds,
) -> ErrorEntry:
    raw = _load_yaml(path)
    try:
        steps = _steps(raw["steps"], path)
        entry = ErrorEntry(
            id=raw["id"],
            number=int(raw["number"]),
            title=raw["title"],
            short_title=raw["short_title"],
            record_type=raw["record_type"],
            message=raw["message"],
            phrases=tuple(raw["phrases"]),
            explanation=_alternatives(raw["explanation"]),
            steps=steps,
            support=raw["support"],
            prefix=raw.get("prefix"),
            handover=raw.get("handover"),
            links=tuple(Link(title=k["title"], url=k["url"]) for k in raw.get("links", ())),
            confirm_fix=bool(raw.get("confirm_fix", True)),
            cause=_alternatives(raw["cause"]),
            side=_side(raw["side"], path),
            if_ignored=_alternatives(raw["if_ignored"]),
            twin=raw.get("twin"),
            examples=_examples(raw["examples"], path, splits),
        )
    except KeyError as missing:
        raise SourceError(f"{path}: missing field {missing}") from None
    problems = []
    if not SLUG.match(entry.id):
        problems.append(f"id {entry.id!r} is not a lowercase-hyphenated slug")
    if path.stem != entry.id:
        problems.append(f"file name should be {entry.id}.yml")
    if entry.support not in SUPPORT_POLICIES:
        problems.append(f"support must be one of {SUPPORT_POLICIES}")
    if entry.record_type not in record_types:
        problems.append(f"unknown record_type {entry.record_type!r}")
    if not entry.phrases:
        problems.append("needs at least one phrase")
    if not entry.examples:
        problems.append("examples: needs at least one example")
    if entry.side is not None and entry.side.party not in SIDES:
        problems.append(f"side: party must be one of {SIDES}")
    answers = {"cause": entry.cause, "if_ignored": entry.if_ignored}
    answers["side: text"] = entry.side.text if entry.side else ()
    problems += [
        f"{name}: needs at least one non-empty text"
        for name, texts in answers.items()
        if not texts or not all(isinstance(t, str) and t.strip() for t in texts)
    ]
    problems += [f"unknown actor {s.actor!r}" for s in entry.steps if s.actor not in actors]
    templates = [entry.prefix or "", *entry.phrases, *entry.explanation]
    templates += [t for s in entry.steps for t in s.text]
    templates += [t for texts in answers.values() for t in texts if isinstance(t, str)]
    problems += [
        f"unknown placeholder {{{name}}}"
        for t in templates
        for name in PLACEHOLDER.findall(t)
        if kinds.get(name) is None
    ]
    if problems:
        raise SourceError(f"{path}: " + "; ".join(problems))
    return entry


def _steps(raw: Any, path: Path) -> tuple[FixStep, ...]:
    """Return a fix's steps, in order; an ``either:`` item gives one step per alternative.

    Each item of ``steps`` is a step (``actor``, ``where``, ``text``) that every customer takes,
    or ``either:`` with a list of two or more steps, of which the customer takes one.
    """
    if not isinstance(raw, list) or not raw:
        raise SourceError(f"{path}: steps must be a list of at least one step")
    steps: list[FixStep] = []
    for number, item in enumerate(raw, start=1):
        where = f"{path}: steps item {number}"
        if isinstance(item, Mapping) and "either" in item:
            routes = item["either"]
            if set(item) != {"either"} or not isinstance(routes, list) or len(routes) < 2:
                raise SourceError(
                    f"{where}: either needs exactly a list of two or more alternative steps"
                )
            steps += [
                _step(route, f"{where}, either item {i}", choice=number)
                for i, route in enumerate(routes, start=1)
            ]
        else:
            steps.append(_step(item, where))
    return tuple(steps)


def _step(raw: Any, where: str, choice: int | None = None) -> FixStep:
    if not isinstance(raw, Mapping) or set(raw) != {"actor", "where", "text"}:
        raise SourceError(f"{where} needs exactly the fields actor, where and text")
    text = _alternatives(raw["text"])
    if not text or not all(isinstance(t, str) and t.strip() for t in text):
        raise SourceError(f"{where}: text must be one or more non-empty texts")
    return FixStep(actor=raw["actor"], where=str(raw["where"]), text=text, choice=choice)


def _side(raw: Any, path: Path) -> Side:
    if not isinstance(raw, Mapping) or set(raw) != {"party", "text"}:
        raise SourceError(f"{path}: side needs exactly the fields party and text")
    return Side(party=str(raw["party"]), text=_alternatives(raw["text"]))


def _check_unique(errors: tuple[ErrorEntry, ...], where: Path) -> None:
    for attr in ("id", "number"):
        values = [getattr(e, attr) for e in errors]
        repeated = sorted({str(v) for v in values if values.count(v) > 1})
        if repeated:
            raise SourceError(f"{where.parent}: repeated error {attr}: {', '.join(repeated)}")


def _check_twins(errors: tuple[ErrorEntry, ...], folder: Path) -> None:
    """Check each ``twin`` names another error, of another kind of record, that names it back."""
    by_id = {e.id: e for e in errors}
    twins = [(folder / f"{e.id}.yml", e, by_id.get(e.twin)) for e in errors if e.twin is not None]
    for where, entry, twin in twins:
        if twin is None:
            raise SourceError(f"{where}: twin {entry.twin!r} is not an error's id")
        if twin.record_type == entry.record_type:
            raise SourceError(f"{where}: twin {twin.id} is about the same kind of record")
    for where, entry, twin in twins:  # each names an error; now, each names its twin back
        if twin is not None and twin.twin != entry.id:
            raise SourceError(f"{where}: twin {twin.id} must name {entry.id} as its twin too")


def _examples(raw: Any, path: Path, splits: Mapping[str, str] | None) -> tuple[str, ...]:
    """Return the examples' texts; each item is a string or ``{text: ..., source: <id>}``."""
    if not isinstance(raw, list):
        raise SourceError(f"{path}: examples must be a list")
    texts = []
    for number, item in enumerate(raw, start=1):
        where = f"{path}: examples item {number}"
        source = None
        if isinstance(item, Mapping):
            if not {"text"} <= set(item) <= {"text", "source"}:
                raise SourceError(f"{where} needs the fields text and, optionally, source")
            text, source = item["text"], item.get("source")
        else:
            text = item
        if not isinstance(text, str) or not text.strip() or text != text.strip() or "\n" in text:
            raise SourceError(f"{where} must be one line of text, without surrounding spaces")
        if source is not None and splits is not None:
            split = splits.get(str(source))
            if split is None:
                raise SourceError(f"{where}: source {source!r} is not in {SOURCES_FILE}")
            if split != "train":
                raise SourceError(
                    f"{where}: source {source!r} is a {split} source in {SOURCES_FILE}; "
                    "only train sources may be trained on"
                )
        texts.append(text)
    return tuple(texts)


def _source_splits(path: Path) -> dict[str, str] | None:
    """Return each source's split (``train`` or ``heldout``), or None if there is no list."""
    if not path.exists():
        return None
    raw = _load_yaml(path)
    items = raw.get("sources") if isinstance(raw, Mapping) else raw
    if not isinstance(items, list):
        raise SourceError(f"{path}: expected a list of sources")
    splits = {}
    for number, item in enumerate(items, start=1):
        if not isinstance(item, Mapping) or "id" not in item or "split" not in item:
            raise SourceError(f"{path}: source {number} needs the fields id and split")
        splits[str(item["id"])] = str(item["split"])
    return splits


def _check_examples_unique(errors: tuple[ErrorEntry, ...], where: Path) -> None:
    # `rasa data validate` refuses an example under two intents; name both errors here instead.
    seen: dict[str, str] = {}
    for entry in errors:
        for text in entry.examples:
            key = text.casefold()
            if key in seen:
                raise SourceError(
                    f"{where / entry.id}.yml: examples: {text!r} is already an example of "
                    f"{seen[key]}"
                )
            seen[key] = entry.id


def _alternatives(value: str | list[str]) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(value)


def _fields(raw: Mapping[str, Any], cls: type, path: Path) -> dict[str, Any]:
    names = {f.name for f in fields(cls)}
    if set(raw) != names:
        raise SourceError(f"{path}: {cls.__name__} needs exactly the fields {sorted(names)}")
    return dict(raw)


def _load_yaml(path: Path) -> Any:
    try:
        with path.open(encoding="utf-8") as handle:
            return yaml.safe_load(handle)
    except FileNotFoundError:
        raise SourceError(f"{path}: file not found") from None
    except yaml.YAMLError as problem:
        raise SourceError(f"{path}: not valid YAML: {problem}") from None
