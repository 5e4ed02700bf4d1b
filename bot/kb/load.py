"""Build the knowledge base in the database from its YAML source (``python -m bot kb load``)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import delete, inspect, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.kb.models import (
    ActorRow,
    Base,
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

__all__ = ["LoadResult", "create_schema", "fingerprint", "load"]

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
    """Create any missing tables and columns (knowledge base, feedback, tickets).

    Returns:
        The columns added to tables that already existed, as ``table.column``; when any were,
        the knowledge base's rows predate them and should be reloaded.
    """
    # Imported for their side effect: they register the conversation tables on Base.metadata.
    import bot.handover  # noqa: F401
    import bot.records  # noqa: F401

    Base.metadata.create_all(engine)
    return _add_missing_columns(engine)


def _add_missing_columns(engine: Engine) -> list[str]:
    # create_all never alters a table that exists, so a column a newer version brought is added
    # here; it must be nullable (or have a server default) for the rows already there.
    existing = inspect(engine)
    quote = engine.dialect.identifier_preparer.quote
    added = []
    with engine.begin() as connection:
        for table in Base.metadata.sorted_tables:
            have = {column["name"] for column in existing.get_columns(table.name)}
            for column in table.columns:
                if column.name in have:
                    continue
                if not column.nullable and column.server_default is None:
                    raise RuntimeError(
                        f"{table.name}.{column.name} is new and NOT NULL without a server "
                        "default, so it can't be added to an existing database: make it "
                        "nullable or give it a server_default."
                    )
                kind = column.type.compile(dialect=engine.dialect)
                connection.execute(
                    text(f"ALTER TABLE {quote(table.name)} ADD COLUMN {quote(column.name)} {kind}")
                )
                added.append(f"{table.name}.{column.name}")
    return added


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
    session.merge(KbMetaRow(key="loaded_at", value=datetime.now(timezone.utc).isoformat()))
    return LoadResult(len(source.errors), len(source.contacts), True, stamp)


def _answers(entry: ErrorEntry) -> dict[str, object]:
    """Return the answers to the customer's questions as stored in ``errors.answers``."""
    side = entry.side and {"party": entry.side.party, "text": list(entry.side.text)}
    return {"cause": list(entry.cause), "side": side, "if_ignored": list(entry.if_ignored)}
