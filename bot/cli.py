"""syncdesk's command line: ``python -m bot <command>``."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy.engine import make_url

from bot.diagnosis.cli import register as register_diagnosis
from bot.kb import KnowledgeBaseUnavailable
from bot.kb.generate import generate
from bot.kb.load import create_schema, load
from bot.kb.source import SourceError, read_source
from bot.migrations.cli import register as register_migrations
from bot.nlp import build_pipeline, entity_patterns  # imports spaCy only when building
from bot.outbox.cli import register as register_outbox
from bot.privacy.cli import register as register_privacy
from bot.services import Services
from bot.settings import PROJECT_ROOT, SPACY_PIPELINE, InsecureKey, Settings
from bot.support.cli import register as register_support

__all__ = ["main"]

log = logging.getLogger("bot")


def main(argv: Sequence[str] | None = None, services: Services | None = None) -> int:
    """Run one command and return its exit status.

    Args:
        argv: The command line (default: the process's).
        services: The services to run it on (default: built from the environment).
    """
    if services is None:
        try:
            services = Services(Settings.from_env())
        except (ValueError, InsecureKey) as problem:  # a setting that is not valid
            print(f"The settings are not valid: {problem}", file=sys.stderr)
            return 2
    parser = _parser(services)
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


def _parser(services: Services) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    commands = parser.add_subparsers(title="commands", required=True, metavar="COMMAND")

    kb = commands.add_parser("kb", help="build or inspect the knowledge base")
    kb_commands = kb.add_subparsers(title="kb commands", required=True, metavar="KB_COMMAND")
    kb_load = kb_commands.add_parser("load", help="load data/kb into the database (idempotent)")
    kb_load.add_argument("--force", action="store_true", help="rebuild even if unchanged")
    kb_load.set_defaults(handler=lambda args: _kb_load(args, services))
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

    nlp_build.set_defaults(handler=lambda args: _nlp_build(args, services))

    # Both read the errors of the knowledge base, rebuilding it if it is missing.
    register_diagnosis(commands, lambda: services.knowledge().errors())
    register_support(commands, lambda: services.knowledge().errors())
    register_outbox(commands, lambda: services.settings)
    register_migrations(commands, lambda: services.settings)
    register_privacy(commands, lambda: services.settings)
    return parser


def _kb_load(args: argparse.Namespace, services: Services) -> int:
    source = read_source(services.settings.kb_source)
    create_schema(services.engine)
    with services.sessions.begin() as session:
        result = load(session, source, force=args.force)
    state = "loaded" if result.changed else "already up to date"
    print(
        f"Knowledge base {state}: {result.errors} errors, {result.contacts} contacts "
        f"({_redacted(services.settings.db_url)})"
    )
    return 0


def _kb_generate(args: argparse.Namespace) -> int:
    stale = generate(args.project, check=args.check)
    names = ", ".join(str(path) for path in stale)
    if args.check:
        if stale:
            print(f"Out of date (run `python -m bot kb generate`): {names}", file=sys.stderr)
        return 1 if stale else 0
    print(f"Generated from data/kb/errors: {names or 'everything already up to date'}")
    return 0


def _nlp_build(_args: argparse.Namespace, services: Services) -> int:
    patterns = entity_patterns(read_source(services.settings.kb_source))
    path = build_pipeline(SPACY_PIPELINE, patterns)
    print(f"spaCy pipeline ready at {path}")
    return 0


def _redacted(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)
