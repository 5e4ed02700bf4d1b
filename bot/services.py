"""One object holding syncdesk's services, built from :class:`~bot.settings.Settings`.

As Flask's ``create_app(test_config)``: the CLI, the Rasa adapters and the tests each build
their own (``Services(Settings(db_url=...))``); nothing is a module-level cache to clear. The
adapters Rasa builds without arguments use :func:`default`, the services the environment
describes.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import sessionmaker

from bot import db
from bot.advice import advise
from bot.diagnosis import Diagnoser, Match
from bot.handover import HandoverRequest, Ticket, hand_over
from bot.hours import OpeningHours, desk_hours
from bot.kb import Knowledge, KnowledgeBaseUnavailable, KnowledgeStore, UnknownError
from bot.kb.source import Contact, ErrorEntry, read_source
from bot.records import Records
from bot.security.limits import TicketAllowance
from bot.settings import Settings

db_log = logging.getLogger("bot.handover")

__all__ = ["HandoverFacts", "Services", "default"]


@dataclass(frozen=True)
class HandoverFacts:
    """What a handover tells the customer: the error, the contacts, the steps shown."""

    entry: ErrorEntry | None
    contacts: list[Contact]
    steps: list[str]


class Services:
    """The database, the knowledge base (kept in memory per fingerprint) and the diagnoser.

    Also what must be counted: ``ticket_allowance``, the new tickets per conversation and
    client, is each Services' own (the action server's; each test's its own).
    """

    def __init__(self, settings: Settings | None = None) -> None:
        """Build the services ``settings`` describe (default: the environment's)."""
        self.settings = settings or Settings.from_env()
        self.engine = db.engine(self.settings.db_url)
        self.sessions = sessionmaker(self.engine, future=True, expire_on_commit=False)
        self.store = KnowledgeStore(self.engine, self.settings.kb_source)
        self.records = Records(self.sessions)
        self.ticket_allowance = TicketAllowance(self.settings.security)
        self._lock = threading.Lock()
        self._diagnoser: tuple[str | None, Diagnoser] | None = None

    def knowledge(self) -> Knowledge:
        """Return the knowledge base as loaded now (see :class:`bot.kb.KnowledgeStore`)."""
        return self.store.knowledge()

    def diagnoser(self) -> Diagnoser:
        """Return the diagnoser for the knowledge base as loaded now."""
        knowledge = self.knowledge()
        built = self._diagnoser
        if built is None or built[0] != knowledge.fingerprint:
            built = (knowledge.fingerprint, Diagnoser(knowledge.entries))
            with self._lock:
                self._diagnoser = built
        return built[1]

    def diagnose(self, text: str) -> list[Match]:
        """Return the known sync errors found in ``text``, best first (empty when none)."""
        return self.diagnoser().diagnose(text)

    def hours(self) -> OpeningHours:
        """Return the support line's opening hours (``desk.yml`` of the knowledge base source)."""
        return desk_hours(self.settings.kb_source)

    def hand_over(self, request: HandoverRequest) -> Ticket | None:
        """Open or find the request's ticket; None if the database failed (logged)."""
        return hand_over(self.sessions, request, self.settings.mail)

    def handover_facts(self, error_id: str | None, values: Mapping[str, str]) -> HandoverFacts:
        """Return the error, contacts and fix steps; the contacts from the source if the DB is down.

        A customer is never left without a way to reach people.
        """
        try:
            knowledge = self.knowledge()
        except (SQLAlchemyError, KnowledgeBaseUnavailable) as problem:
            db_log.error(
                "The knowledge base could not be read (%s); contacts come from the source files",
                type(problem).__name__,
            )
            return HandoverFacts(None, list(read_source(self.settings.kb_source).contacts), [])
        entry = None
        if error_id:
            try:
                entry = knowledge.error(error_id)
            except UnknownError:
                entry = None
        steps = advise(entry, values, knowledge.actors()).step_lines() if entry else []
        return HandoverFacts(entry, knowledge.contacts(), steps)

    def close(self) -> None:
        """Close the database connections."""
        db.dispose(self.settings.db_url)


_defaults: dict[Settings, Services] = {}
_defaults_lock = threading.Lock()


def default() -> Services:
    """Return the services the environment describes now (one per distinct set of settings)."""
    settings = Settings.from_env()
    with _defaults_lock:
        made = _defaults.get(settings)
        if made is None:
            made = _defaults[settings] = Services(settings)
        return made
