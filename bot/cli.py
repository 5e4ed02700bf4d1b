"""syncdesk's command line: ``python -m bot <command>``."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.db import engine, session_factory
from bot.diagnosis.cli import register as register_diagnosis
from bot.kb import KnowledgeBaseUnavailable, ensure_loaded, knowledge_base
from bot.kb.load import create_schema, load
from bot.kb.source import ErrorEntry, SourceError, read_source
from bot.settings import PROJECT_ROOT, settings
from bot.support.cli import register as register_support

__all__ = ["main"]

log = logging.getLogger("bot")


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command and return its exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        return int(args.handler(args) or 0)
    except SourceError as problem:
        print(f"The knowledge base source is not valid: {problem}", file=sys.stderr)
        return 2
    except KnowledgeBaseUnavailable as problem:
        print(problem, file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    commands = parser.add_subparsers(title="commands", required=True, metavar="COMMAND")

    kb = commands.add_parser("kb", help="build or inspect the knowledge base")
    kb_commands = kb.add_subparsers(title="kb commands", required=True, metavar="KB_COMMAND")
    kb_load = kb_commands.add_parser("load", help="load data/kb into the database (idempotent)")
    kb_load.add_argument("--force", action="store_true", help="rebuild even if unchanged")
    kb_load.set_defaults(handler=_kb_load)
    kb_generate = kb_commands.add_parser(
        "generate", help="write the NLU data, domain and rules that list the errors, from data/kb"
    )
    kb_generate.add_argument(
        "--project",
        type=Path,
        default=PROJECT_ROOT,
        help="the Rasa project to read DIR/data/kb from and write into (default: this one)",
        metavar="DIR",
    )
    kb_generate.add_argument(
        "--check", action="store_true", help="write nothing; fail if a file is out of date"
    )
    kb_generate.set_defaults(handler=_kb_generate)

    nlp = commands.add_parser("nlp", help="build the spaCy pipeline Rasa uses")
    nlp_commands = nlp.add_subparsers(title="nlp commands", required=True, metavar="NLP_COMMAND")
    nlp_build = nlp_commands.add_parser("build", help="save the blank English pipeline to disk")
    nlp_build.set_defaults(handler=_nlp_build)

    register_diagnosis(commands, _kb_errors)
    register_support(commands, _kb_errors)
    return parser


def _kb_errors() -> list[ErrorEntry]:
    """Return the errors of the configured knowledge base, rebuilding it if it is missing."""
    ensure_loaded()
    with knowledge_base() as kb:
        return kb.errors()


def _kb_load(args: argparse.Namespace) -> int:
    source = read_source(settings().kb_source)
    create_schema(engine())
    with session_factory().begin() as session:
        result = load(session, source, force=args.force)
    state = "loaded" if result.changed else "already up to date"
    print(
        f"Knowledge base {state}: {result.errors} errors, {result.contacts} contacts "
        f"({_redacted(settings().db_url)})"
    )
    return 0


def _kb_generate(args: argparse.Namespace) -> int:
    from bot.kb.generate import generate

    stale = generate(args.project, check=args.check)
    names = ", ".join(str(path) for path in stale)
    if args.check:
        if stale:
            print(f"Out of date (run `python -m bot kb generate`): {names}", file=sys.stderr)
        return 1 if stale else 0
    print(f"Generated from data/kb/errors: {names or 'everything already up to date'}")
    return 0


def _nlp_build(_args: argparse.Namespace) -> int:
    from bot.nlp import build_pipeline, entity_patterns  # spaCy itself only if rebuilding

    patterns = entity_patterns(read_source(settings().kb_source))
    path = build_pipeline(settings().spacy_model, patterns)
    print(f"spaCy pipeline ready at {path}")
    return 0


def _redacted(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
