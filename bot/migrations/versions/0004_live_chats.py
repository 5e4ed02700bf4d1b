"""The support console: live chats (agent takeovers) and the agents online (bot/console/models.py).

What the agent did is recorded on the ticket as notes (``ticket_notes``); these tables hold who
is in which conversation now and who is at the console.

Revision ID: 0004_live_chats
Revises: 0003_outbox
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_live_chats"
down_revision = "0003_outbox"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create ``live_chats`` and ``agents_online``."""
    op.create_table(
        "live_chats",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("conversation_id", sa.String(length=200), nullable=False),
        sa.Column("ticket_reference", sa.String(length=20), nullable=False),
        sa.Column("agent", sa.String(length=80), nullable=False),
        sa.Column("agent_name", sa.String(length=80), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_live_chats_conversation_id", "live_chats", ["conversation_id"], unique=False
    )
    op.create_table(
        "agents_online",
        sa.Column("agent", sa.String(length=80), nullable=False),
        sa.Column("agent_name", sa.String(length=80), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("agent"),
    )


def downgrade() -> None:
    """Drop ``live_chats`` and ``agents_online`` (the notes on the tickets stay)."""
    op.drop_table("agents_online")
    op.drop_index("ix_live_chats_conversation_id", table_name="live_chats")
    op.drop_table("live_chats")
