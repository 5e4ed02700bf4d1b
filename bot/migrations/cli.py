"""``python -m bot db upgrade|current|check|revision``: the schema's migrations from the shell.

``register(subparsers)`` adds them to the main parser, as :func:`bot.support.cli.register` does.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from bot import migrations
from bot.db import engine, session_factory
from bot.settings import Settings

__all__ = ["register"]

_DB_PROBLEM = (
    "The syncdesk database cannot be used ({problem}). Check SYNCDESK_DB_URL and that the "
    "database is reachable and writable."
)


def register(subparsers: Any, settings: Callable[[], Settings] = Settings.from_env) -> None:
    """Add the ``db`` command and its subcommands to ``subparsers`` (from add_subparsers).

    Args:
        subparsers: what the main parser's ``add_subparsers`` returned.
        settings: returns the settings to run on (the database's URL, the KB's source).
    """
    db = subparsers.add_parser("db", help="create or upgrade the database's tables (migrations)")
    commands = db.add_subparsers(title="db commands", required=True, metavar="DB_COMMAND")

    upgrade = commands.add_parser(
        "upgrade", help="migrate the database to the newest schema, keeping every row"
    )
    upgrade.add_argument("--revision", default="head", help="the revision to reach (default: head)")
    upgrade.set_defaults(handler=lambda args: run_upgrade(args, settings()))

    current = commands.add_parser("current", help="print the database's revision and the newest")
    current.set_defaults(handler=lambda args: run_current(args, settings()))

    check = commands.add_parser(
        "check", help="fail if the database is behind or the models need a migration"
    )
    check.set_defaults(handler=lambda args: run_check(args, settings()))

    revision = commands.add_parser(
        "revision", help="write a migration for what the models changed (review it before use)"
    )
    revision.add_argument("-m", "--message", required=True, help="what the migration does")
    revision.set_defaults(handler=lambda args: run_revision(args, settings()))


def run_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    """Run ``db upgrade``; reload the knowledge base if its tables gained columns."""
    url = settings.db_url
    try:
        done = migrations.upgrade(engine(url), args.revision)
        # The knowledge base's rows predate its new columns: fill them from the source.
        reload = any(column.split(".")[0] in _kb_tables() for column in done.added)
        if reload:
            _reload_kb(settings)
    except SQLAlchemyError as problem:
        print(_DB_PROBLEM.format(problem=type(problem).__name__), file=sys.stderr)
        return 2
    where = _redacted(url)
    if done.changed:
        print(f"Database upgraded from {done.before or 'no revision'} to {done.after} ({where})")
    else:
        print(f"Database already at {done.after} ({where})")
    if done.added:
        print(f"Columns added to existing tables: {', '.join(done.added)}")
    if reload:
        print(f"Knowledge base reloaded from {settings.kb_source}")
    return 0


def run_current(_args: argparse.Namespace, settings: Settings) -> int:
    """Run ``db current``."""
    try:
        with engine(settings.db_url).connect() as connection:
            now = migrations.current(connection)
    except SQLAlchemyError as problem:
        print(_DB_PROBLEM.format(problem=type(problem).__name__), file=sys.stderr)
        return 2
    print(f"Database at {now or 'no revision'}; newest is {migrations.head()}")
    return 0


def run_check(_args: argparse.Namespace, settings: Settings) -> int:
    """Run ``db check``: 0 when the database is at the newest revision and matches the models."""
    try:
        with engine(settings.db_url).connect() as connection:
            now = migrations.current(connection)
        if now != migrations.head():
            print(
                f"The database is at {now or 'no revision'}, not {migrations.head()}: "
                "run `python -m bot db upgrade`.",
                file=sys.stderr,
            )
            return 1
        differences = migrations.drift(engine(settings.db_url))
    except SQLAlchemyError as problem:
        print(_DB_PROBLEM.format(problem=type(problem).__name__), file=sys.stderr)
        return 2
    if differences:
        print("The models differ from the migrations; add one with `python -m bot db revision "
              "-m '<what changed>'`:", file=sys.stderr)  # fmt: skip
        for difference in differences:
            print(f"  {difference}", file=sys.stderr)
        return 1
    print(f"Database at {now}; the models match the migrations.")
    return 0


def run_revision(args: argparse.Namespace, _settings: Settings) -> int:
    """Run ``db revision``: write the migration file and say where."""
    path = migrations.new_revision(args.message)
    print(f"Wrote {path}: review it, then run the tests (tests/migrations).")
    return 0


def _kb_tables() -> set[str]:
    from bot.kb.load import kb_tables

    return kb_tables()


def _reload_kb(settings: Settings) -> None:
    from bot.kb.load import load
    from bot.kb.source import read_source

    with session_factory(settings.db_url).begin() as session:
        load(session, read_source(settings.kb_source), force=True)


def _redacted(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)
