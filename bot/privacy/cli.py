"""``python -m bot privacy export|erase|purge``: a customer's data, and the retention period.

``register(subparsers)`` adds the command to the main parser, as :func:`bot.support.cli.register`
does. What ``export`` prints is personal data: it goes to stdout (or ``--out``), never the log.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from bot import privacy
from bot.db import engine
from bot.privacy.trackers import TrackerStore, tracker_store
from bot.settings import Settings, process_environment

__all__ = ["register"]

_DB_PROBLEM = (
    "The database cannot be used ({problem}). Check SYNCDESK_DB_URL (and the tracker store in "
    "{endpoints}), then run `python -m bot db upgrade`."
)


def register(subparsers: Any, settings: Callable[[], Settings] = Settings.from_env) -> None:
    """Add the ``privacy`` command and its subcommands to ``subparsers``.

    Args:
        subparsers: what the main parser's ``add_subparsers`` returned.
        settings: returns the settings to run on (the database's URL).
    """
    parser = subparsers.add_parser(
        "privacy", help="export or erase a customer's data; apply the retention period"
    )
    commands = parser.add_subparsers(title="privacy commands", required=True, metavar="COMMAND")

    export = commands.add_parser("export", help="print everything held about a customer (JSON)")
    _subject(export)
    export.add_argument("--out", type=Path, metavar="PATH", help="write the JSON to this file")
    export.set_defaults(handler=lambda args: run_export(args, settings()))

    erase = commands.add_parser("erase", help="delete everything held about a customer")
    _subject(erase)
    erase.set_defaults(handler=lambda args: run_erase(args, settings()))

    purge = commands.add_parser(
        "purge", help="delete what is older than the retention period (SYNCDESK_RETENTION_DAYS)"
    )
    purge.add_argument("--days", type=int, metavar="N", help="override the retention period")
    _endpoints(purge)
    purge.set_defaults(handler=lambda args: run_purge(args, settings()))


def run_export(args: argparse.Namespace, settings: Settings) -> int:
    """Run ``privacy export``."""
    try:
        store = _store(args, settings)
        conversations = _conversations(args, store, settings)
        document = privacy.export(engine(settings.db_url), conversations, store)
    except (SQLAlchemyError, ValueError) as problem:
        return _problem(problem, args, settings)
    document["subject"] = _subject_of(args)
    if args.out:
        args.out.write_text(json.dumps(document, ensure_ascii=False, indent=2), encoding="utf-8")
        print(f"Exported {len(conversations)} conversation(s) to {args.out}")
    else:
        # ASCII only: customer text could otherwise drive the terminal (C1 controls, bidi).
        print(json.dumps(document, ensure_ascii=True, indent=2))
    if not store.covered:
        print(f"Trackers: {store.note}", file=sys.stderr)
    return 0


def run_erase(args: argparse.Namespace, settings: Settings) -> int:
    """Run ``privacy erase``: delete, then print what went."""
    try:
        store = _store(args, settings)
        conversations = _conversations(args, store, settings)
        erased = privacy.erase(engine(settings.db_url), conversations, store)
    except (SQLAlchemyError, ValueError) as problem:
        return _problem(problem, args, settings)
    who = " ".join(f"--{k} {v}" for k, v in _subject_of(args).items())
    print(f"Erased {len(erased.conversations)} conversation(s) for {who}:")
    _print_counts(erased, store)
    return 0


def run_purge(args: argparse.Namespace, settings: Settings) -> int:
    """Run ``privacy purge``."""
    try:
        days = args.days if args.days is not None else settings.retention_days
        if days < 1:
            raise ValueError(f"--days must be at least 1, not {days}")
        store = _store(args, settings)
        erased = privacy.purge(engine(settings.db_url), days, store)
    except (SQLAlchemyError, ValueError) as problem:
        return _problem(problem, args, settings)
    print(f"Purged what was last changed more than {days} days ago:")
    _print_counts(erased, store)
    return 0


def _subject(parser: argparse.ArgumentParser) -> None:
    who = parser.add_mutually_exclusive_group(required=True)
    who.add_argument("--conversation", metavar="ID", help="one conversation (Rasa's sender id)")
    who.add_argument("--account", metavar="ID", help="every conversation of an in-app account")
    _endpoints(parser)


def _endpoints(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--endpoints",
        type=Path,
        metavar="PATH",
        help="the endpoints file Rasa reads (default: endpoints.yml, or endpoints.prod.yml "
        "when SYNCDESK_ENV=production)",
    )


def _store(args: argparse.Namespace, settings: Settings) -> TrackerStore:
    return tracker_store(args.endpoints or settings.endpoints, process_environment())


def _conversations(args: argparse.Namespace, store: TrackerStore, settings: Settings) -> set[str]:
    if args.conversation:
        return {args.conversation}
    return privacy.conversations_of_account(engine(settings.db_url), args.account, store)


def _subject_of(args: argparse.Namespace) -> dict[str, str]:
    if args.conversation:
        return {"conversation": args.conversation}
    return {"account": args.account}


def _print_counts(erased: privacy.Erased, store: TrackerStore) -> None:
    for table, count in erased.rows.items():
        print(f"  {table}: {count}")
    if store.covered:
        print(f"  tracker events: {erased.events}")
    else:
        print(f"  trackers: {store.note}")


def _problem(problem: Exception, args: argparse.Namespace, settings: Settings) -> int:
    if isinstance(problem, SQLAlchemyError):
        endpoints = args.endpoints or settings.endpoints.name
        print(
            _DB_PROBLEM.format(problem=type(problem).__name__, endpoints=endpoints),
            file=sys.stderr,
        )
    else:
        print(f"privacy: {problem}", file=sys.stderr)
    return 2
