"""The support team's commands of ``python -m bot``: ``tickets list|show|close`` and ``report``.

``register(subparsers, entries_provider)`` adds them to the main parser, as
:func:`bot.diagnosis.cli.register` does; each sets ``handler(args) -> int`` as its default.
What they print is the output (tickets hold personal data): nothing goes to the log. Customer
text can hold terminal escapes and bidi overrides; both views print them as visible escapes.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from bot.db import session_factory
from bot.handover import Ticket, close_ticket, find_ticket
from bot.kb.source import ErrorEntry
from bot.replies import clipped, value_summary
from bot.settings import PROJECT_ROOT
from bot.support.notes import Note, add_note, notes_for
from bot.support.queries import newest_tickets, report_data
from bot.support.report import render_html

__all__ = ["DEFAULT_REPORT", "EntriesProvider", "register"]

#: Returns the knowledge base's error entries (building the database if it is missing).
EntriesProvider = Callable[[], Iterable[ErrorEntry]]

DEFAULT_REPORT = PROJECT_ROOT / ".var" / "report.html"
_REPORT_DAYS = 30
_LIST_LIMIT = 20
_CELL = 36  # widest cell in the tickets table
# Characters in customer text that could drive the terminal (C0 other than tab and newline, DEL,
# C1: ESC and CSI sequences) or reorder what support reads (bidi embeddings, overrides, isolates).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# The same in JSON text: json.dumps already escapes C0 characters, not the rest.
_JSON_UNSAFE = re.compile(r"[\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_DB_PROBLEM = (
    "The syncdesk database cannot be used ({problem}). Check SYNCDESK_DB_URL, then run "
    "`python -m bot kb load` to create any missing tables."
)


def register(subparsers: Any, entries_provider: EntriesProvider) -> None:
    """Add the ``tickets`` and ``report`` commands to ``subparsers`` (from add_subparsers)."""
    tickets = subparsers.add_parser("tickets", help="list, show and close handover tickets")
    commands = tickets.add_subparsers(
        title="tickets commands", required=True, metavar="TICKETS_COMMAND"
    )

    listing = commands.add_parser(
        "list", help=f"list tickets, newest first (the newest {_LIST_LIMIT} unless --limit)"
    )
    listing.add_argument(
        "--limit",
        type=_limit,
        default=_LIST_LIMIT,
        metavar="N",
        help=f"at most N tickets, newest first (default {_LIST_LIMIT}; 0 for all)",
    )
    listing.add_argument(
        "--since",
        type=_moment,
        metavar="WHEN",
        help="only tickets created since then: 2024-05-31 or 2024-05-31T09:30 (UTC)",
    )
    listing.add_argument("--channel", help="only tickets from this channel, e.g. socketio or rest")
    listing.add_argument("--status", choices=("open", "closed"), help="only tickets with it")
    listing.add_argument("--json", action="store_true", help="print a JSON array of tickets")
    listing.set_defaults(handler=lambda args: run_list(args, entries_provider))

    show = commands.add_parser("show", help="show everything on one ticket")
    show.add_argument("reference", metavar="REF", help="the ticket's reference, e.g. SD-7KQ4-M2XH")
    show.add_argument("--json", action="store_true", help="print the ticket as JSON")
    show.set_defaults(handler=lambda args: run_show(args, entries_provider))

    close = commands.add_parser("close", help="close a ticket, recording what was done")
    close.add_argument("reference", metavar="REF", help="the ticket's reference, e.g. SD-7KQ4-M2XH")
    close.add_argument(
        "--note", help="what was done, kept on the ticket and shown by `tickets show`"
    )
    close.set_defaults(handler=lambda args: run_close(args, entries_provider))

    report = subparsers.add_parser(
        "report",
        help="write the support report (one HTML file)",
        description=(
            "Write what conversations found, fixed and handed over as one self-contained HTML "
            f"page. Days are UTC and both ends are included; the default is the last "
            f"{_REPORT_DAYS} days."
        ),
    )
    report.add_argument("--from", dest="start", type=_day, metavar="YYYY-MM-DD", help="first day")
    report.add_argument("--to", dest="end", type=_day, metavar="YYYY-MM-DD", help="last day")
    report.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_REPORT,
        metavar="PATH",
        help="the HTML file to write (default: .var/report.html in the project)",
    )
    report.set_defaults(handler=lambda args: run_report(args, entries_provider))


def run_list(args: argparse.Namespace, entries_provider: EntriesProvider) -> int:
    """Run ``tickets list``: a table, or ``--json`` an array of tickets."""
    entries_provider()  # builds the database on first use
    try:
        with session_factory().begin() as session:
            references, matching = newest_tickets(
                session,
                limit=args.limit or None,
                since=args.since,
                channel=args.channel,
                status=args.status,
            )
            found = (find_ticket(session, reference) for reference in references)
            tickets = [ticket for ticket in found if ticket is not None]
    except SQLAlchemyError as problem:
        return _database_problem(problem)
    if args.json:
        print(_json([t.to_json() for t in tickets]))
    elif not tickets:
        print(f"No {args.status} tickets." if args.status else "No tickets.")
    else:
        print(_ticket_table(tickets))
        if matching > len(tickets):
            print(
                f"\nThe newest {len(tickets)} of {matching} tickets: "
                "--limit N shows more (0 for all)."
            )
    return 0


def run_show(args: argparse.Namespace, entries_provider: EntriesProvider) -> int:
    """Run ``tickets show``: everything on one ticket."""
    titles = {entry.id: entry.title for entry in entries_provider()}
    try:
        with session_factory().begin() as session:
            ticket = find_ticket(session, args.reference)
            notes = notes_for(session, args.reference) if ticket else []
    except SQLAlchemyError as problem:
        return _database_problem(problem)
    if ticket is None:
        return _no_such_ticket(args.reference)
    if args.json:
        print(_json({**ticket.to_json(), "support_notes": [n.to_json() for n in notes]}))
    else:
        print(_ticket_details(ticket, titles, notes))
    return 0


def run_close(args: argparse.Namespace, entries_provider: EntriesProvider) -> int:
    """Run ``tickets close``: mark the ticket closed, keep the note, and say so."""
    if args.note is not None and not args.note.strip():
        print("tickets close: --note is empty; say what was done.", file=sys.stderr)
        return 2
    entries_provider()
    try:
        # One transaction: the ticket is closed with its note, or neither.
        with session_factory().begin() as session:
            before = find_ticket(session, args.reference)
            ticket = close_ticket(session, args.reference) if before else None
            if ticket is not None and args.note is not None:
                add_note(session, ticket.reference, args.note)
    except SQLAlchemyError as problem:
        return _database_problem(problem)
    if before is None or ticket is None:
        return _no_such_ticket(args.reference)
    noted = " The note is kept on it." if args.note is not None else ""
    if before.status == "closed":
        print(f"{ticket.reference} was already closed.{noted}")
    else:
        print(f"Closed {ticket.reference}.{noted}")
    return 0


def run_report(args: argparse.Namespace, entries_provider: EntriesProvider) -> int:
    """Run ``report``: count the range, draw the page, write it and print where."""
    end = args.end or datetime.now(timezone.utc).date()
    start = args.start or end - timedelta(days=_REPORT_DAYS - 1)
    if start > end:
        print(f"report: --from {start} is after --to {end}.", file=sys.stderr)
        return 2
    errors = list(entries_provider())
    try:
        with session_factory().begin() as session:
            data = report_data(session, start, end, errors)
    except SQLAlchemyError as problem:
        return _database_problem(problem)
    page = render_html(data)
    out: Path = args.out
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(page, encoding="utf-8")
    except OSError as problem:
        print(f"report: cannot write {out}: {problem.strerror or problem}", file=sys.stderr)
        return 2
    print(
        f"Report for {start} to {end} ({data.conversations} conversations) written to "
        f"{out.resolve()}"
    )
    return 0


def _ticket_table(tickets: Sequence[Ticket]) -> str:
    headers = ("REFERENCE", "CREATED (UTC)", "STATUS", "ERROR", "DETAILS", "CHANNEL", "ACCOUNT")
    rows = [
        (
            t.reference,
            t.created_at.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M"),
            t.status,
            t.error_id or "(unknown)",
            value_summary(t.values) or "-",
            t.channel,
            _account(t.customer),
        )
        for t in tickets
    ]
    cells = [[_cell(value) for value in row] for row in [headers, *rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    return "\n".join(
        "  ".join(value.ljust(width) for value, width in zip(row, widths, strict=True)).rstrip()
        for row in cells
    )


def _verified(customer: Mapping[str, Any]) -> bool:
    return customer.get("verified") in ("yes", True)


def _account(customer: Mapping[str, Any]) -> str:
    account = customer.get("account_id")
    if not account:
        return "-"
    return str(account) if _verified(customer) else f"{account} (unverified)"


def _customer_heading(customer: Mapping[str, Any]) -> str:
    if not customer or _verified(customer):
        return "Customer:" if not customer else "Customer (verified by the Joblogic app):"
    return "Customer (UNVERIFIED: sent by the browser, anyone can change it):"


def _ticket_details(ticket: Ticket, titles: dict[str, str], notes: Sequence[Note]) -> str:
    error = "(unknown)"
    if ticket.error_id:
        title = titles.get(ticket.error_id)
        error = f"{ticket.error_id}: {title}" if title else ticket.error_id
    lines = [
        f"{ticket.reference} ({ticket.status})",
        f"Created:       {ticket.created_at.astimezone(timezone.utc):%Y-%m-%d %H:%M} UTC",
        f"Conversation:  {ticket.conversation_id}",
        f"Channel:       {ticket.channel}",
        f"Error:         {error}",
        f"Reason:        {ticket.reason}",
        *([f"About:         {ticket.note}"] if ticket.note else []),
        "",
        "Values:",
        *_pairs(ticket.values.items()),
        "",
        _customer_heading(ticket.customer),
        *_pairs((k, v) for k, v in ticket.customer.items() if k != "verified"),
        "",
        "Steps shown:",
        *_indented(str(step) for step in ticket.steps.get("shown") or []),
        "",
        "Answers:",
        *_indented(_answer(answer) for answer in ticket.steps.get("answers") or []),
        "",
        "Transcript:",
        *_indented(
            f"{turn.get('who') or '?'}: {turn.get('text', '')}" for turn in ticket.transcript
        ),
        "",
        "Support notes:",
        *_indented(
            f"{note.created_at.astimezone(timezone.utc):%Y-%m-%d %H:%M} UTC  {note.text}"
            for note in notes
        ),
    ]
    return "\n".join(_printable(line) for line in lines)


def _pairs(items: Iterable[tuple[str, Any]]) -> list[str]:
    return _indented(f"{name}: {value}" for name, value in items)


def _indented(texts: Iterable[str]) -> list[str]:
    # Continuation lines of a multi-line message line up under its first line.
    lines = ["  " + text.replace("\n", "\n    ") for text in texts]
    return lines or ["  (none)"]


def _answer(answer: Any) -> str:
    if isinstance(answer, dict):
        if set(answer) == {"question", "answer"}:
            return f"{answer['question']}: {answer['answer']}"
        return ", ".join(f"{name}: {value}" for name, value in answer.items())
    return str(answer)


def _cell(value: str) -> str:
    return clipped(_printable(" ".join(str(value).split())), _CELL)


def _printable(text: str) -> str:
    return _CONTROL.sub(lambda found: _escape(found.group()), text)


def _escape(character: str) -> str:
    code = ord(character)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def _json(data: Any) -> str:
    # Readable non-ASCII text stays as it is; what could drive a terminal becomes a \\u escape,
    # which is still valid JSON for the same string (such characters only occur inside strings).
    text = json.dumps(data, ensure_ascii=False, indent=2)
    return _JSON_UNSAFE.sub(lambda found: f"\\u{ord(found.group()):04x}", text)


def _no_such_ticket(reference: str) -> int:
    print(
        f"No ticket {_printable(reference)}. `python -m bot tickets list` shows the references.",
        file=sys.stderr,
    )
    return 1


def _database_problem(problem: SQLAlchemyError) -> int:
    print(_DB_PROBLEM.format(problem=type(problem).__name__), file=sys.stderr)
    return 2


def _limit(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of tickets (0 for all)")
    return value


def _moment(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a date like 2024-05-31 or a time like 2024-05-31T09:30"
        ) from None
    # Stored times are UTC (SQLite keeps no offset): compare in UTC.
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2024-05-31") from None
