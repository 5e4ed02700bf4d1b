"""syncdesk's core: knows the Xero sync errors, recognises them in text, hands over to people.

Nothing here imports Rasa; the Rasa actions and NLU component are thin adapters over it. The
services (database, knowledge base, diagnoser) are built from settings by
:class:`bot.services.Services`.
"""

from __future__ import annotations

from bot.diagnosis import Diagnoser, Match
from bot.services import Services, default

__all__ = ["Diagnoser", "Match", "Services", "diagnose"]


def diagnose(text: str) -> list[Match]:
    """Return the known sync errors found in ``text``, best first (empty when none)."""
    return default().diagnose(text)
