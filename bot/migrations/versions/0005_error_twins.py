"""An error's twin: the same failure on another kind of record (``twin:`` in its KB file).

"The invoice does not exist in Xero" fails a payment and a credit note alike; a customer who
says "no, it's a credit note, same message" is taken to the twin (actions/followups.py). The
column is filled by the next ``kb load``, as every KB column is.

Revision ID: 0005_error_twins
Revises: 0004_live_chats
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_error_twins"
down_revision = "0004_live_chats"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add ``errors.twin``."""
    with op.batch_alter_table("errors") as batch:
        batch.add_column(sa.Column("twin", sa.String(length=80), nullable=True))


def downgrade() -> None:
    """Drop ``errors.twin``."""
    with op.batch_alter_table("errors") as batch:
        batch.drop_column("twin")
