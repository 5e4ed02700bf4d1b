"""Add a support agent to the console's agents file.

    python -m bot.console add-agent FILE LOGIN "Display name"

The password is asked for (twice) and only its PBKDF2 hash is written; FILE is what
``SYNCDESK_CONSOLE_USERS`` names, created readable by its owner only.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path

from bot.console.agents import agent_line, read_agents


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and add the agent."""
    parser = argparse.ArgumentParser(
        prog="python -m bot.console", description=__doc__.splitlines()[0]
    )
    commands = parser.add_subparsers(dest="command", required=True)
    add = commands.add_parser("add-agent", help="add an agent (asks for the password)")
    add.add_argument("file", type=Path, help="the agents file (SYNCDESK_CONSOLE_USERS)")
    add.add_argument("login", help="lower-case letters, digits, '.', '_' or '-'")
    add.add_argument("name", help='the name customers see: "Sam from Joblogic support"')
    args = parser.parse_args(argv)

    if args.file.exists():
        read_agents(args.file)  # a malformed file fails here, before anything is added
    if args.file.exists() and any(
        line.split(":", 1)[0] == args.login for line in args.file.read_text().splitlines()
    ):
        print(f"{args.login} is already in {args.file}.", file=sys.stderr)
        return 1
    password = getpass.getpass(f"Password for {args.login}: ")
    if getpass.getpass("Again: ") != password:
        print("The passwords differ; nothing written.", file=sys.stderr)
        return 1
    try:
        line = agent_line(args.login, args.name, password)
    except ValueError as problem:
        print(f"{problem}; nothing written.", file=sys.stderr)
        return 1
    descriptor = os.open(args.file, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(descriptor, "a", encoding="utf-8") as out:
        out.write(line + "\n")
    print(f"Added {args.login} ({args.name}) to {args.file}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
