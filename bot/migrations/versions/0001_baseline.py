"""Baseline: the schema as ``create_all`` made it before migrations (KB, tickets, records).

On a database that ``create_all`` built before this migration existed (no ``alembic_version``
table) it adopts what is there: it creates only the tables and indexes that are missing and adds
the nullable columns an older version lacked (``errors.answers``, ``fix_steps.choice``), so no row
is lost.

Revision ID: 0001_baseline
Revises:
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_baseline"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create today's tables, or adopt the ones ``create_all`` already made."""
    _table(
        "actors",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("label", sa.String(length=120), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    _table(
        "contacts",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("team", sa.String(length=120), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    _table(
        "desk_settings",
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("value", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("name"),
    )
    _table(
        "kb_meta",
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    _table(
        "record_types",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=120), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    _table(
        "errors",
        sa.Column("id", sa.String(length=80), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("short_title", sa.String(length=120), nullable=False),
        sa.Column("record_type", sa.String(length=40), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("prefix", sa.String(length=200), nullable=True),
        sa.Column("explanation", sa.JSON(), nullable=False),
        sa.Column("support", sa.String(length=10), nullable=False),
        sa.Column("handover", sa.Text(), nullable=True),
        sa.Column("confirm_fix", sa.Boolean(), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(["record_type"], ["record_types.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("number"),
    )
    _table(
        "error_links",
        sa.Column("error_id", sa.String(length=80), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.ForeignKeyConstraint(["error_id"], ["errors.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("error_id", "position"),
    )
    _table(
        "error_phrases",
        sa.Column("error_id", sa.String(length=80), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["error_id"], ["errors.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("error_id", "position"),
    )
    _table(
        "fix_steps",
        sa.Column("error_id", sa.String(length=80), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("actor", sa.String(length=40), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("text", sa.JSON(), nullable=False),
        sa.Column("choice", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["actor"], ["actors.id"]),
        sa.ForeignKeyConstraint(["error_id"], ["errors.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("error_id", "position"),
    )
    _table(
        "tickets",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("reference", sa.String(length=20), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("conversation_id", sa.String(length=200), nullable=False),
        sa.Column("channel", sa.String(length=40), nullable=False),
        sa.Column("error_key", sa.String(length=80), nullable=False),
        sa.Column("error_id", sa.String(length=80), nullable=True),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.Column("values", sa.JSON(), nullable=False),
        sa.Column("steps", sa.JSON(), nullable=False),
        sa.Column("transcript", sa.JSON(), nullable=False),
        sa.Column("customer", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("conversation_id", "error_key", name="uq_ticket_error"),
        sa.UniqueConstraint("reference"),
    )
    _index("tickets", "ix_tickets_conversation_id", ["conversation_id"])
    _table(
        "diagnoses",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("conversation_id", sa.String(length=200), nullable=False),
        sa.Column("error_id", sa.String(length=80), nullable=True),
        sa.Column("how", sa.String(length=20), nullable=False),
        sa.Column("excerpt", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    _table(
        "outcomes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("conversation_id", sa.String(length=200), nullable=False),
        sa.Column("error_id", sa.String(length=80), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    _table(
        "feedback",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("conversation_id", sa.String(length=200), nullable=False),
        sa.Column("error_id", sa.String(length=80), nullable=False),
        sa.Column("helpful", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    for table in ("diagnoses", "outcomes", "feedback"):
        for column in ("conversation_id", "created_at", "error_id"):
            _index(table, f"ix_{table}_{column}", [column])


def downgrade() -> None:
    """Drop every table (children first): the database is left empty."""
    for table in (
        "fix_steps",
        "error_phrases",
        "error_links",
        "errors",
        "tickets",
        "record_types",
        "outcomes",
        "kb_meta",
        "feedback",
        "diagnoses",
        "desk_settings",
        "contacts",
        "actors",
    ):
        op.drop_table(table)


def _table(name: str, *elements: sa.schema.SchemaItem) -> None:
    """Create table ``name``; if ``create_all`` made it already, add only its missing columns."""
    inspector = sa.inspect(op.get_bind())
    if not inspector.has_table(name):
        op.create_table(name, *elements)
        return
    have = {column["name"] for column in inspector.get_columns(name)}
    for column in elements:
        if isinstance(column, sa.Column) and column.name not in have:
            # Only nullable columns were ever added to an existing table before migrations.
            op.add_column(name, column.copy())


def _index(table: str, name: str, columns: list[str]) -> None:
    """Create index ``name`` unless ``create_all`` made it already."""
    if name not in {index["name"] for index in sa.inspect(op.get_bind()).get_indexes(table)}:
        op.create_index(name, table, columns, unique=False)
