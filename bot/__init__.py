"""syncdesk's core: knows the Xero sync errors, recognises them in text, hands over to people.

Nothing here imports Rasa; the Rasa actions and NLU component are thin adapters over it.
"""

from __future__ import annotations

import functools

from bot.diagnosis import Diagnoser, Match
from bot.kb import ensure_loaded, knowledge_base
from bot.settings import settings

__all__ = ["Diagnoser", "Match", "diagnose", "diagnoser"]


@functools.lru_cache(maxsize=4)
def diagnoser(url: str | None = None) -> Diagnoser:
    """Return the diagnoser built from the knowledge base at ``url`` (cached per process)."""
    url = url or settings().db_url
    ensure_loaded(url)
    with knowledge_base(url) as kb:
        return Diagnoser.from_entries(kb.errors())


def diagnose(text: str) -> list[Match]:
    """Return the known sync errors found in ``text``, best first (empty when none)."""
    return diagnoser().diagnose(text)
