"""Build the knowledge base in the database from its YAML source (``python -m bot kb load``)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import delete, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.kb.models import (
    ActorRow,
    Base,
    ContactRow,
    ErrorRow,
    FixStepRow,
    KbMetaRow,
    LinkRow,
    PhraseRow,
    RecordTypeRow,
)
from bot.kb.source import Source

__all__ = ["LoadResult", "create_schema", "fingerprint", "load"]

# Children before parents, so deleting never trips a foreign key.
_KB_TABLES = (PhraseRow, FixStepRow, LinkRow, ErrorRow, ContactRow, ActorRow, RecordTypeRow)


@dataclass(frozen=True)
class LoadResult:
    """What a load did."""

    errors: int
    contacts: int
    changed: bool
    fingerprint: str


def create_schema(engine: Engine) -> None:
    """Create any missing tables (knowledge base, feedback, tickets)."""
    # Imported for their side effect: they register the conversation tables on Base.metadata.
    import bot.handover  # noqa: F401
    import bot.records  # noqa: F401

    Base.metadata.create_all(engine)


def fingerprint(source: Source) -> str:
    """Return a hash of the source files' names and contents."""
    digest = hashlib.sha256()
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
                phrases=[PhraseRow(position=i, text=p) for i, p in enumerate(entry.phrases)],
                steps=[
                    FixStepRow(position=i, actor=s.actor, place=s.where, text=list(s.text))
                    for i, s in enumerate(entry.steps)
                ],
                links=[
                    LinkRow(position=i, title=k.title, url=k.url) for i, k in enumerate(entry.links)
                ],
            )
        )
    session.merge(KbMetaRow(key="fingerprint", value=stamp))
    session.merge(KbMetaRow(key="loaded_at", value=datetime.now(timezone.utc).isoformat()))
    return LoadResult(len(source.errors), len(source.contacts), True, stamp)
