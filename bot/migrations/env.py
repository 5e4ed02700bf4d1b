"""Alembic's environment for syncdesk: run by :mod:`bot.migrations` on the connection it passes.

There is no alembic.ini: :func:`bot.migrations.alembic_config` builds the configuration and puts
the open connection in ``config.attributes["connection"]``.
"""

from __future__ import annotations

from alembic import context

from bot.db import Base  # the one import of the declarative base: every table is on its metadata
from bot.migrations import import_models, included

config = context.config
connection = config.attributes["connection"]
import_models()

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    # SQLite can't ALTER most things: batch mode copies the table into its new shape instead.
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
    include_name=included,
)
with context.begin_transaction():
    context.run_migrations()
