"""Read the knowledge base: errors, fix steps, contacts. Takes a session; never opens one."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.kb.models import (
    ActorRow,
    ContactRow,
    DeskSettingRow,
    ErrorRow,
    KbMetaRow,
    RecordTypeRow,
)
from bot.kb.source import Actor, Contact, ErrorEntry, FixStep, Link, RecordType, Side

__all__ = ["Knowledge", "KnowledgeBase", "UnknownError"]


class UnknownError(LookupError):
    """No error with that id is in the knowledge base."""


class KnowledgeBase:
    """Queries over the loaded knowledge base, returning the source's dataclasses."""

    def __init__(self, session: Session) -> None:
        """Use ``session`` for every query."""
        self.session = session

    def errors(self) -> list[ErrorEntry]:
        """Return every known error, in the help guide's order."""
        rows = self.session.scalars(select(ErrorRow).order_by(ErrorRow.number))
        return [_entry(row) for row in rows]

    def error(self, error_id: str) -> ErrorEntry:
        """Return the error with this id, or raise :class:`UnknownError`."""
        row = self.session.get(ErrorRow, error_id)
        if row is None:
            raise UnknownError(error_id)
        return _entry(row)

    def errors_for(self, record_type: str) -> list[ErrorEntry]:
        """Return the errors that concern one kind of record."""
        query = (
            select(ErrorRow).where(ErrorRow.record_type == record_type).order_by(ErrorRow.number)
        )
        return [_entry(row) for row in self.session.scalars(query)]

    def record_types(self) -> list[RecordType]:
        """Return the kinds of record, in the order to offer them."""
        rows = self.session.scalars(select(RecordTypeRow).order_by(RecordTypeRow.position))
        return [RecordType(id=r.id, label=r.label) for r in rows]

    def actors(self) -> dict[str, Actor]:
        """Return who can act in a fix step, by id."""
        rows = self.session.scalars(select(ActorRow))
        return {r.id: Actor(id=r.id, label=r.label) for r in rows}

    def contacts(self) -> list[Contact]:
        """Return Joblogic's contacts, in the order to show them."""
        rows = self.session.scalars(select(ContactRow).order_by(ContactRow.position))
        return [
            Contact(id=r.id, team=r.team, kind=r.kind, value=r.value, purpose=r.purpose)
            for r in rows
        ]

    def settings(self) -> dict[str, str | None]:
        """Return the desk's settings by name; None for one that is unset."""
        rows = self.session.scalars(select(DeskSettingRow).order_by(DeskSettingRow.name))
        return {r.name: r.value for r in rows}

    def fingerprint(self) -> str | None:
        """Return the fingerprint of the loaded source, or None when nothing is loaded."""
        row = self.session.get(KbMetaRow, "fingerprint")
        return None if row is None else str(row.value)

    def snapshot(self) -> Knowledge:
        """Return everything in the knowledge base, read in this session's transaction."""
        return Knowledge(
            fingerprint=self.fingerprint(),
            entries=tuple(self.errors()),
            kinds=tuple(self.record_types()),
            who=self.actors(),
            reach=tuple(self.contacts()),
            desk=self.settings(),
        )


@dataclass(frozen=True)
class Knowledge:
    """The whole knowledge base in memory, as one load left it; answers as KnowledgeBase does.

    Cached by :class:`bot.kb.KnowledgeStore` until the database's fingerprint changes.
    """

    fingerprint: str | None
    entries: tuple[ErrorEntry, ...]
    kinds: tuple[RecordType, ...]
    who: Mapping[str, Actor]
    reach: tuple[Contact, ...]
    desk: Mapping[str, str | None]
    _by_id: dict[str, ErrorEntry] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        """Index the errors by id."""
        object.__setattr__(self, "_by_id", {e.id: e for e in self.entries})

    def errors(self) -> list[ErrorEntry]:
        """Return every known error, in the help guide's order."""
        return list(self.entries)

    def error(self, error_id: str) -> ErrorEntry:
        """Return the error with this id, or raise :class:`UnknownError`."""
        try:
            return self._by_id[error_id]
        except KeyError:
            raise UnknownError(error_id) from None

    def errors_for(self, record_type: str) -> list[ErrorEntry]:
        """Return the errors that concern one kind of record."""
        return [e for e in self.entries if e.record_type == record_type]

    def record_types(self) -> list[RecordType]:
        """Return the kinds of record, in the order to offer them."""
        return list(self.kinds)

    def actors(self) -> dict[str, Actor]:
        """Return who can act in a fix step, by id."""
        return dict(self.who)

    def contacts(self) -> list[Contact]:
        """Return Joblogic's contacts, in the order to show them."""
        return list(self.reach)

    def settings(self) -> dict[str, str | None]:
        """Return the desk's settings by name; None for one that is unset."""
        return dict(self.desk)


def _entry(row: ErrorRow) -> ErrorEntry:
    answers = row.answers or {}  # NULL until a database that predates the column is reloaded
    side = answers.get("side")
    return ErrorEntry(
        id=row.id,
        number=row.number,
        title=row.title,
        short_title=row.short_title,
        record_type=row.record_type,
        message=row.message,
        phrases=tuple(p.text for p in row.phrases),
        explanation=tuple(row.explanation),
        steps=tuple(
            FixStep(actor=s.actor, where=s.place, text=tuple(s.text), choice=s.choice)
            for s in row.steps
        ),
        support=row.support,
        prefix=row.prefix,
        handover=row.handover,
        links=tuple(Link(title=k.title, url=k.url) for k in row.links),
        confirm_fix=bool(row.confirm_fix),
        cause=tuple(answers.get("cause") or ()),
        side=None if not side else Side(party=side["party"], text=tuple(side["text"])),
        if_ignored=tuple(answers.get("if_ignored") or ()),
        twin=row.twin,
    )
