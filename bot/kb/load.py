"""Build the knowledge base in the database from its YAML source (``python -m bot kb load``)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.kb.models import (
    ActorRow,
    ContactRow,
    DeskSettingRow,
    ErrorRow,
    FixStepRow,
    KbMetaRow,
    LinkRow,
    PhraseRow,
    RecordTypeRow,
)
from bot.kb.source import ErrorEntry, Source
from bot.migrations import upgrade

__all__ = ["LoadResult", "create_schema", "fingerprint", "kb_tables", "load"]

# Children before parents, so deleting never trips a foreign key.
_KB_TABLES = (
    PhraseRow,
    FixStepRow,
    LinkRow,
    ErrorRow,
    ContactRow,
    ActorRow,
    RecordTypeRow,
    DeskSettingRow,
)


@dataclass(frozen=True)
class LoadResult:
    """What a load did."""

    errors: int
    contacts: int
    changed: bool
    fingerprint: str


def create_schema(engine: Engine) -> list[str]:
    """Create or upgrade every table (knowledge base, records, tickets) by running the migrations.

    Returns:
        The columns added to tables that already existed, as ``table.column``; when any were,
        the knowledge base's rows predate them and should be reloaded.
    """
    return list(upgrade(engine).added)


def kb_tables() -> set[str]:
    """Return the names of the knowledge base's tables (rebuilt from the source by a load)."""
    return {table.__tablename__ for table in (*_KB_TABLES, KbMetaRow)}


def fingerprint(source: Source) -> str:
    """Return a hash of the source files' names and contents, and of the tables' columns.

    The columns count too, so a version that stores more of the source reloads it.
    """
    digest = hashlib.sha256()
    for table in _KB_TABLES:
        digest.update(" ".join([table.__tablename__, *table.__table__.columns.keys()]).encode())
    for path in source.files:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def load(session: Session, source: Source, *, force: bool = False) -> LoadResult:
    """Replace the knowledge base's contents with ``source`` unless it is already loaded.

    Feedback and tickets are kept: they name errors by slug, not by foreign key.
    """
    stamp = fingerprint(source)
    current = session.get(KbMetaRow, "fingerprint")
    loaded = session.scalar(select(ErrorRow.id).limit(1)) is not None
    if current is not None and current.value == stamp and loaded and not force:
        return LoadResult(len(source.errors), len(source.contacts), False, stamp)

    for table in _KB_TABLES:
        session.execute(delete(table))
    session.flush()
    session.add_all(
        RecordTypeRow(id=r.id, position=i, label=r.label) for i, r in enumerate(source.record_types)
    )
    session.add_all(ActorRow(id=a.id, label=a.label) for a in source.actors)
    session.add_all(
        ContactRow(id=c.id, position=i, team=c.team, kind=c.kind, value=c.value, purpose=c.purpose)
        for i, c in enumerate(source.contacts)
    )
    session.add_all(
        DeskSettingRow(name=name, value=value) for name, value in source.settings.items()
    )
    session.flush()
    for entry in source.errors:
        session.add(
            ErrorRow(
                id=entry.id,
                number=entry.number,
                title=entry.title,
                short_title=entry.short_title,
                record_type=entry.record_type,
                message=entry.message,
                prefix=entry.prefix,
                explanation=list(entry.explanation),
                support=entry.support,
                handover=entry.handover,
                confirm_fix=entry.confirm_fix,
                answers=_answers(entry),
                twin=entry.twin,
                phrases=[PhraseRow(position=i, text=p) for i, p in enumerate(entry.phrases)],
                steps=[
                    FixStepRow(
                        position=i,
                        actor=s.actor,
                        place=s.where,
                        text=list(s.text),
                        choice=s.choice,
                    )
                    for i, s in enumerate(entry.steps)
                ],
                links=[
                    LinkRow(position=i, title=k.title, url=k.url) for i, k in enumerate(entry.links)
                ],
            )
        )
    session.merge(KbMetaRow(key="fingerprint", value=stamp))
    return LoadResult(len(source.errors), len(source.contacts), True, stamp)


def _answers(entry: ErrorEntry) -> dict[str, object]:
    """Return the answers to the customer's questions as stored in ``errors.answers``."""
    side = entry.side and {"party": entry.side.party, "text": list(entry.side.text)}
    return {"cause": list(entry.cause), "side": side, "if_ignored": list(entry.if_ignored)}
