"""The knowledge base's tables (SQLAlchemy ORM, 2.0 style); PostgreSQL and SQLite alike."""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, ForeignKey, Integer, String, Text
from sqlalchemy.orm import relationship

from bot.db import Base

__all__ = [
    "ActorRow",
    "ContactRow",
    "DeskSettingRow",
    "ErrorRow",
    "FixStepRow",
    "KbMetaRow",
    "LinkRow",
    "PhraseRow",
    "RecordTypeRow",
]


class RecordTypeRow(Base):
    """A kind of record a sync error concerns."""

    __tablename__ = "record_types"
    id = Column(String(40), primary_key=True)
    position = Column(Integer, nullable=False)
    label = Column(String(120), nullable=False)


class ActorRow(Base):
    """Who carries out a fix step."""

    __tablename__ = "actors"
    id = Column(String(40), primary_key=True)
    label = Column(String(120), nullable=False)


class ContactRow(Base):
    """A phone number or email address of a Joblogic team."""

    __tablename__ = "contacts"
    id = Column(String(40), primary_key=True)
    position = Column(Integer, nullable=False)
    team = Column(String(120), nullable=False)
    kind = Column(String(10), nullable=False)
    value = Column(String(200), nullable=False)
    purpose = Column(Text, nullable=False)


class ErrorRow(Base):
    """One known sync error."""

    __tablename__ = "errors"
    id = Column(String(80), primary_key=True)
    number = Column(Integer, nullable=False, unique=True)
    title = Column(String(200), nullable=False)
    short_title = Column(String(120), nullable=False)
    record_type = Column(ForeignKey("record_types.id"), nullable=False)
    message = Column(Text, nullable=False)
    prefix = Column(String(200))
    explanation = Column(JSON, nullable=False)  # list of alternatives, most specific first
    support = Column(String(10), nullable=False)
    handover = Column(Text)
    confirm_fix = Column(Boolean, nullable=False, default=True)
    # Answers to the customer's questions about the error: {"cause": [...], "side": {"party":
    # ..., "text": [...]}, "if_ignored": [...]}. Nullable, so an existing database gains it by
    # ALTER TABLE (bot.kb.load.create_schema) and the reload that follows fills it.
    answers = Column(JSON)
    twin = Column(String(80))  # the same failure on another kind of record, if any

    phrases = relationship(
        "PhraseRow", order_by="PhraseRow.position", cascade="all, delete-orphan", lazy="selectin"
    )
    steps = relationship(
        "FixStepRow", order_by="FixStepRow.position", cascade="all, delete-orphan", lazy="selectin"
    )
    links = relationship(
        "LinkRow", order_by="LinkRow.position", cascade="all, delete-orphan", lazy="selectin"
    )


class PhraseRow(Base):
    """Xero's wording of an error; each phrase alone identifies it."""

    __tablename__ = "error_phrases"
    error_id = Column(ForeignKey("errors.id", ondelete="CASCADE"), primary_key=True)
    position = Column(Integer, primary_key=True)
    text = Column(Text, nullable=False)


class FixStepRow(Base):
    """One ordered step of an error's fix."""

    __tablename__ = "fix_steps"
    error_id = Column(ForeignKey("errors.id", ondelete="CASCADE"), primary_key=True)
    position = Column(Integer, primary_key=True)
    actor = Column(ForeignKey("actors.id"), nullable=False)
    place = Column(String(200), nullable=False)
    text = Column(JSON, nullable=False)  # list of alternatives, most specific first
    # NULL for a step every customer takes; the steps of one ``either:`` (alternative routes,
    # the customer takes one) share its position in the fix. Nullable, so an existing database
    # gains it by ALTER TABLE (bot.kb.load.create_schema) and the reload that follows fills it.
    choice = Column(Integer)


class LinkRow(Base):
    """A web page that helps with an error."""

    __tablename__ = "error_links"
    error_id = Column(ForeignKey("errors.id", ondelete="CASCADE"), primary_key=True)
    position = Column(Integer, primary_key=True)
    title = Column(String(200), nullable=False)
    url = Column(String(500), nullable=False)


class DeskSettingRow(Base):
    """A fact about the desk the help guide doesn't give; a NULL value means unset."""

    __tablename__ = "desk_settings"
    name = Column(String(80), primary_key=True)
    value = Column(Text)


class KbMetaRow(Base):
    """Facts about the loaded knowledge base (e.g. the source fingerprint)."""

    __tablename__ = "kb_meta"
    key = Column(String(40), primary_key=True)
    value = Column(Text, nullable=False)
