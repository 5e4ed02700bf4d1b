"""The schema's migrations (Alembic): every table is created and changed by a revision here.

``upgrade(engine)`` takes any database to the newest revision, including one that
``create_all`` built before migrations existed (the baseline adopts it). ``drift(engine)`` lists
what the models have that the migrations don't make, and ``new_revision`` writes a migration for
it; docs/migrations.md says how to add one. No alembic.ini: the configuration is built here.
"""

from __future__ import annotations

import contextlib
import fcntl
import importlib
import logging
import os
import re
import sys
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, Engine

__all__ = [
    "FOREIGN_TABLES",
    "MODEL_MODULES",
    "Upgrade",
    "alembic_config",
    "current",
    "drift",
    "head",
    "import_models",
    "included",
    "is_ours",
    "new_revision",
    "upgrade",
]

HERE = Path(__file__).resolve().parent
VERSIONS = HERE / "versions"

#: The modules that define tables on ``bot.db.Base``; a module with a new table goes here
#: (tests/migrations checks that none is missing).
MODEL_MODULES = (
    "bot.kb.models",
    "bot.handover",
    "bot.records",
    "bot.support.notes",
    "bot.outbox.models",
    "bot.console.models",
)

#: Tables in the same database that are not syncdesk's: Rasa's SQL tracker store keeps its
#: ``events`` there in production. Migrations never touch them and drift ignores them.
FOREIGN_TABLES = frozenset({"events"})

# Any constant: PostgreSQL's advisory lock that lets one process at a time migrate.
_PG_LOCK_KEY = 0x5D_0001


@dataclass(frozen=True)
class Upgrade:
    """What an upgrade did.

    Attributes:
        before: the revision the database was at (None: unversioned, empty or made by create_all).
        after: the revision it is at now.
        added: columns added to tables that already existed, as ``table.column``: their rows
            predate them (a knowledge base with such columns should be reloaded).
    """

    before: str | None
    after: str | None
    added: tuple[str, ...]

    @property
    def changed(self) -> bool:
        """Whether any migration ran."""
        return self.before != self.after


def import_models() -> None:
    """Import every module that defines tables, so ``Base.metadata`` holds them all."""
    for name in MODEL_MODULES:
        importlib.import_module(name)


def is_ours(table: str) -> bool:
    """Whether ``table`` belongs to syncdesk's schema (not Rasa's tracker store, not Alembic's)."""
    return table not in FOREIGN_TABLES and table != "alembic_version"


def included(name: str | None, kind: str, _parent: object) -> bool:
    """Alembic's ``include_name`` hook: compare only syncdesk's own tables."""
    return kind != "table" or name is None or is_ours(name)


def alembic_config(
    connection: Connection | None = None, *, version_locations: Sequence[Path] = ()
) -> Config:
    """Return Alembic's configuration for syncdesk, running on ``connection``.

    Args:
        connection: the connection env.py migrates (None for commands that read only scripts).
        version_locations: more folders of revisions besides ``versions/`` (tests add one).
    """
    _quiet()
    config = Config()
    config.set_main_option("script_location", str(HERE))
    locations = [VERSIONS, *version_locations]
    # Split on os.pathsep, never on spaces (the option's name changed in Alembic 1.16).
    config.set_main_option("path_separator", "os")
    config.set_main_option("version_path_separator", "os")
    config.set_main_option("version_locations", os.pathsep.join(str(p) for p in locations))
    config.set_main_option("file_template", "%%(rev)s")
    config.attributes["connection"] = connection
    return config


def head(*, version_locations: Sequence[Path] = ()) -> str:
    """Return the newest revision's id."""
    script = ScriptDirectory.from_config(alembic_config(version_locations=version_locations))
    found = script.get_current_head()
    if found is None:  # pragma: no cover - versions/ always holds the baseline
        raise RuntimeError(f"No migrations in {VERSIONS}")
    return found


def current(connection: Connection) -> str | None:
    """Return the revision the database is at, or None if it was never migrated."""
    _quiet()
    return MigrationContext.configure(connection).get_current_revision()


def upgrade(
    engine: Engine, revision: str = "head", *, version_locations: Sequence[Path] = ()
) -> Upgrade:
    """Migrate the database to ``revision``, one process at a time; rows are kept.

    Raises:
        RuntimeError: a migration left rows pointing at rows that no longer exist (SQLite).
    """
    sqlite = engine.dialect.name == "sqlite"
    with _exclusive(engine), engine.connect() as connection:
        if sqlite:
            # Batch mode drops and re-creates tables: with foreign keys on, dropping a parent
            # would cascade to its children's rows. The pragma only works outside a transaction.
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        try:
            if engine.dialect.name == "postgresql":
                lock = text("SELECT pg_advisory_xact_lock(:key)")
                connection.execute(lock, {"key": _PG_LOCK_KEY})
            before = current(connection)
            columns = _columns(connection)
            config = alembic_config(connection, version_locations=version_locations)
            if before is not None and not _known(config, before):
                # A newer release migrated it (e.g. mid rolling deploy): its migrations keep
                # what this release needs, so leave it as it is.
                return Upgrade(before, before, ())
            command.upgrade(config, revision)
            after = current(connection)
            added = tuple(
                f"{table}.{column}"
                for table, names in _columns(connection).items()
                if table in columns
                for column in names
                if column not in columns[table]
            )
            if sqlite:
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise RuntimeError(f"The migration broke foreign keys: {broken[:5]}")
            connection.commit()
        finally:
            if sqlite:
                connection.rollback()
                connection.exec_driver_sql("PRAGMA foreign_keys=ON")
                connection.commit()
    return Upgrade(before, after, added)


def drift(engine: Engine) -> list[Any]:
    """Return the differences between the models and the database (empty: migrations complete).

    Each is one of Alembic's autogenerate diffs, e.g. ``("add_column", None, "tickets", Column)``.
    """
    from bot.db import Base

    import_models()
    _quiet()
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={
                "compare_type": True,
                "include_name": included,
            },
        )
        return list(compare_metadata(context, Base.metadata))


def new_revision(message: str, *, directory: Path = VERSIONS) -> Path:
    """Write a migration from the models' differences to the newest revision; return its file.

    It is generated against a scratch SQLite database, so review it (and PostgreSQL) before use.
    """
    from sqlalchemy import create_engine

    slug = re.sub(r"[^a-z0-9]+", "_", message.lower()).strip("_")[:40] or "change"
    extra = [] if directory == VERSIONS else [directory]
    scripts = ScriptDirectory.from_config(alembic_config(version_locations=extra))
    number = len(list(scripts.walk_revisions())) + 1
    with tempfile.TemporaryDirectory() as scratch:
        engine = create_engine(f"sqlite:///{Path(scratch) / 'head.db'}", future=True)
        try:
            upgrade(engine, version_locations=extra)
            with engine.connect() as connection:
                config = alembic_config(connection, version_locations=extra)
                # Formatted as the rest of the code (ruff is a dev dependency, as this command).
                config.set_section_option("post_write_hooks", "hooks", "ruff")
                config.set_section_option("post_write_hooks", "ruff.type", "exec")
                config.set_section_option("post_write_hooks", "ruff.executable", sys.executable)
                config.set_section_option(
                    "post_write_hooks", "ruff.options", "-m ruff format REVISION_SCRIPT_FILENAME"
                )
                script = command.revision(
                    config,
                    message=message,
                    autogenerate=True,
                    rev_id=f"{number:04d}_{slug}",
                    version_path=str(directory),
                )
                connection.commit()
        finally:
            engine.dispose()
    if script is None or isinstance(script, list):  # pragma: no cover - one head, one script
        raise RuntimeError("Alembic wrote no single revision")
    return Path(script.path)


def _quiet() -> None:
    # Alembic narrates every step at INFO; our commands say what they did in one line.
    alembic_log = logging.getLogger("alembic")
    if alembic_log.level == logging.NOTSET:
        alembic_log.setLevel(logging.WARNING)


def _known(config: Config, revision: str) -> bool:
    try:
        return ScriptDirectory.from_config(config).get_revision(revision) is not None
    except CommandError:
        return False


def _columns(connection: Connection) -> dict[str, set[str]]:
    inspector = inspect(connection)
    return {
        table: {column["name"] for column in inspector.get_columns(table)}
        for table in inspector.get_table_names()
        if is_ours(table)
    }


@contextlib.contextmanager
def _exclusive(engine: Engine) -> Iterator[None]:
    """Hold a lock file beside a SQLite database while migrating it (other backends: no-op)."""
    database = engine.url.database if engine.dialect.name == "sqlite" else None
    if not database or database == ":memory:" or database.startswith("file:"):
        yield
        return
    # A separate file: closing any descriptor of the database itself would drop SQLite's locks.
    try:
        lock = open(f"{database}.migrate-lock", "a")  # noqa: SIM115 (closed below)
    except OSError:
        # No folder to write in: the database can't be opened either, and connecting says so
        # with the database error callers handle (no lock is needed to fail).
        yield
        return
    with lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
