"""Support's commands for the outbox: ``python -m bot outbox list|retry|send``.

``register(subparsers)`` adds them to the main parser, as :func:`bot.support.cli.register`
does. ``send --forever`` is the program supervisord and systemd run next to the servers.
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
from collections.abc import Callable
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from bot.db import session_factory
from bot.outbox.models import STATUSES
from bot.outbox.queue import list_outbox, retry_failed
from bot.outbox.sender import Sender
from bot.settings import Settings

__all__ = ["register"]

log = logging.getLogger(__name__)

_DB_PROBLEM = (
    "The outbox cannot be read ({problem}). Check SYNCDESK_DB_URL, then run "
    "`python -m bot kb load` to create any missing tables."
)


def register(subparsers: Any, settings: Callable[[], Settings] = Settings.from_env) -> None:
    """Add the ``outbox`` command to ``subparsers`` (from add_subparsers).

    Args:
        subparsers: what the main parser's ``add_subparsers`` returned.
        settings: returns the settings to run on (the database's URL, the mail server).
    """
    outbox = subparsers.add_parser("outbox", help="emails to the support inbox: list, retry, send")
    commands = outbox.add_subparsers(title="outbox commands", required=True, metavar="COMMAND")

    listing = commands.add_parser("list", help="list emails, newest first")
    listing.add_argument("--status", choices=STATUSES, help="only emails with this status")
    listing.add_argument("--limit", type=int, default=20, help="how many (default 20)")
    listing.add_argument("--json", action="store_true", help="print a JSON array")
    listing.set_defaults(handler=lambda args: _list(args, settings()))

    retry = commands.add_parser(
        "retry", help="send failed and waiting emails again now (all, or one ticket's)"
    )
    retry.add_argument("reference", nargs="?", metavar="REF", help="e.g. SD-7KQ4-M2XH")
    retry.set_defaults(handler=lambda args: _retry(args, settings()))

    send = commands.add_parser("send", help="deliver what is due to the support inbox")
    send.add_argument(
        "--forever", action="store_true", help="keep sending until stopped (SIGTERM, Ctrl-C)"
    )
    send.add_argument(
        "--poll", type=float, default=2.0, metavar="SECONDS", help="how often to look (default 2)"
    )
    send.set_defaults(handler=lambda args: _send(args, settings()))


def _list(args: argparse.Namespace, settings: Settings) -> int:
    try:
        with session_factory(settings.db_url).begin() as session:
            entries = list_outbox(session, args.status, limit=args.limit)
    except SQLAlchemyError as problem:
        print(_DB_PROBLEM.format(problem=type(problem).__name__), file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps([entry.to_json() for entry in entries], indent=2))
        return 0
    if not entries:
        print("The outbox is empty." if not args.status else f"No {args.status} emails.")
        return 0
    for entry in entries:
        when = entry.sent_at or entry.next_attempt_at
        state = {
            "sent": f"sent {when:%Y-%m-%d %H:%M}",
            "pending": f"pending, next try {when:%Y-%m-%d %H:%M:%S}",
        }.get(entry.status, entry.status)
        print(
            f"{entry.ticket_reference}  {entry.kind:<9}  {state}  attempts {entry.attempts}  "
            f"→ {entry.recipient}  {entry.subject}"
        )
        if entry.last_error and entry.status != "sent":
            print(f"    last error: {entry.last_error}")
    return 0


def _retry(args: argparse.Namespace, settings: Settings) -> int:
    try:
        with session_factory(settings.db_url).begin() as session:
            count = retry_failed(session, args.reference)
    except SQLAlchemyError as problem:
        print(_DB_PROBLEM.format(problem=type(problem).__name__), file=sys.stderr)
        return 2
    print(f"{count} email{'s' if count != 1 else ''} queued to send now.")
    return 0


def _send(args: argparse.Namespace, settings: Settings) -> int:
    mail = settings.mail
    if not mail.enabled:
        print(
            "SYNCDESK_SMTP_URL is not set, so tickets are not emailed "
            "(set it to smtp://user:password@host:port to send them to the support inbox).",
            file=sys.stderr,
        )
        if not args.forever:
            return 2
        # Under a supervisor: stay up quietly instead of being restarted again and again.
        stop = {signal.SIGTERM, signal.SIGINT}
        signal.pthread_sigmask(signal.SIG_BLOCK, stop)
        signal.sigwait(stop)
        return 0
    sender = Sender(session_factory(settings.db_url), mail)
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: sender.stop())
    log.info("Sending the outbox to the support inbox via %r", mail.smtp)
    try:
        result = sender.run(forever=args.forever, poll_seconds=args.poll)
    except SQLAlchemyError as problem:
        print(_DB_PROBLEM.format(problem=type(problem).__name__), file=sys.stderr)
        return 2
    print(f"Sent {result.sent}, waiting to retry {result.retrying}, refused {result.failed}.")
    return 0
