"""The ``diagnose`` and ``triage`` commands of ``python -m bot``.

``register(subparsers, entries_provider)`` adds them to the main parser; each sets
``handler(args) -> int`` as its default. ``python -m bot.diagnosis.cli`` runs them on their
own, against the knowledge base's source files.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from bot.diagnosis.engine import Diagnoser
from bot.diagnosis.triage import triage
from bot.kb.source import ErrorEntry
from bot.screenshots import NotAScreenshot, diagnose_screenshot, read_screenshot
from bot.screenshots.image import open_image

__all__ = ["EntriesProvider", "main", "register"]

#: Returns the knowledge base's error entries; called once per command run.
EntriesProvider = Callable[[], Iterable[ErrorEntry]]


def register(subparsers: Any, entries_provider: EntriesProvider) -> None:
    """Add the ``diagnose`` and ``triage`` commands to ``subparsers`` (from add_subparsers)."""
    diagnose = subparsers.add_parser(
        "diagnose",
        help="recognise known Xero sync errors in a message; print them as JSON",
        description="Print a JSON array of {error_id, confidence, values} ([] when none).",
    )
    diagnose.add_argument("text", nargs="?", help="the message; '-' or none reads stdin")
    diagnose.add_argument(
        "--image",
        metavar="FILE",
        help="read the message from a screenshot (PNG, JPEG…): prints "
        '{"text": the text read, "matches": [...], "uncertain": [values to confirm]}',
    )
    diagnose.add_argument(
        "--jsonl",
        action="store_true",
        help="read one JSON string per line on stdin, write one JSON array per line",
    )
    diagnose.set_defaults(handler=lambda args: run_diagnose(args, entries_provider))

    plan = subparsers.add_parser(
        "triage",
        help="read a whole sync log and print what to fix, in order",
        description="Group a sync log's failures into fixes, in the order to do them; list "
        "failures the help guide doesn't know first. Lines reporting success are not counted.",
    )
    plan.add_argument("file", nargs="?", default="-", help="the log file; '-' or none for stdin")
    plan.add_argument("--json", action="store_true", help="print the plan as JSON")
    plan.add_argument(
        "--image", metavar="FILE", help="read the log from a screenshot of Joblogic's sync log"
    )
    plan.set_defaults(handler=lambda args: run_triage(args, entries_provider))


def run_diagnose(args: argparse.Namespace, entries_provider: EntriesProvider) -> int:
    """Run ``diagnose``: one message, or ``--jsonl`` lines from stdin."""
    diagnoser = Diagnoser(entries_provider())
    if args.image:
        result = _read_screenshot(Path(args.image), "diagnose")
        if isinstance(result, int):
            return result
        reading = diagnose_screenshot(result, diagnoser)
        print(json.dumps(reading.to_json(), ensure_ascii=False))
        return 0
    if not args.jsonl:
        text = sys.stdin.read() if args.text in (None, "-") else args.text
        print(json.dumps([m.to_json() for m in diagnoser.diagnose(text)], ensure_ascii=False))
        return 0
    for number, line in enumerate(iter(sys.stdin.readline, ""), start=1):
        sys.stdout.write(json.dumps(_diagnose_line(diagnoser, number, line), ensure_ascii=False))
        sys.stdout.write("\n")
        sys.stdout.flush()
    return 0


def run_triage(args: argparse.Namespace, entries_provider: EntriesProvider) -> int:
    """Run ``triage``: read a log from a file, stdin or a screenshot and print the plan."""
    if args.image:
        image = _read_screenshot(Path(args.image), "triage")
        if isinstance(image, int):
            return image
        text = read_screenshot(image).text
    elif args.file == "-":
        text = sys.stdin.read()
    else:
        try:
            text = _read_log(Path(args.file))
        except OSError as problem:
            print(
                f"triage: cannot read {args.file}: {problem.strerror or problem}", file=sys.stderr
            )
            return 2
    plan = triage(text, list(entries_provider()))
    if args.json:
        data = plan.to_json()
        if args.image:  # what was read, so a misreading can be seen
            data = {"text": text, **data}
        print(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        print(plan.render())
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``diagnose`` or ``triage`` against the knowledge base's source files."""
    from bot.kb.source import read_source

    parser = argparse.ArgumentParser(prog="python -m bot.diagnosis.cli")
    commands = parser.add_subparsers(title="commands", required=True, metavar="COMMAND")
    register(commands, lambda: read_source().errors)
    args = parser.parse_args(argv)
    return int(args.handler(args))


def _diagnose_line(diagnoser: Diagnoser, number: int, line: str) -> Any:
    try:
        text = json.loads(line)
    except json.JSONDecodeError as problem:
        return {"error": f"line {number}: not JSON ({problem.msg})"}
    if not isinstance(text, str):
        return {"error": f"line {number}: expected a JSON string, got {type(text).__name__}"}
    return [m.to_json() for m in diagnoser.diagnose(text)]


def _read_screenshot(path: Path, command: str) -> bytes | int:
    """Return the picture's bytes, or print why it can't be read and return the exit status."""
    try:
        data = path.read_bytes()
    except OSError as problem:
        print(f"{command}: cannot read {path}: {problem.strerror or problem}", file=sys.stderr)
        return 2
    try:
        open_image(data)
    except NotAScreenshot as problem:
        print(f"{command}: {path}: {problem}", file=sys.stderr)
        return 2
    return data


def _read_log(path: Path) -> str:
    raw = path.read_bytes()
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):  # saved as UTF-16 by Windows tools
        return raw.decode("utf-16")
    return raw.decode("utf-8-sig", errors="replace")


if __name__ == "__main__":
    sys.exit(main())
