"""Decide what the NLU's intent ranking says about which error a customer described."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Reading", "read_ranking"]

#: Confidence at or above which a described error is taken as identified ...
SURE = 0.6
#: ... when it also leads the next error by this much.
MARGIN = 0.2
#: Errors below this confidence are not offered as guesses.
GUESS_FLOOR = 0.08


@dataclass(frozen=True)
class Reading:
    """What a message's intent ranking says: ``identified``, ``unsure`` or ``unplaced``."""

    kind: str
    error_id: str | None = None
    guesses: tuple[str, ...] = field(default=())


def read_ranking(
    ranking: Sequence[Mapping[str, Any]], known: Collection[str], max_guesses: int = 3
) -> Reading:
    """Read an intent ranking (best first) against the known error ids.

    Args:
        ranking: Rasa's ``intent_ranking``: dicts with ``name`` and ``confidence``.
        known: the error ids (which are also the intents' names).
        max_guesses: how many guesses to offer when unsure.
    """
    errors = [
        (str(item["name"]), float(item.get("confidence") or 0.0))
        for item in ranking
        if item.get("name") in known
    ]
    errors.sort(key=lambda pair: pair[1], reverse=True)
    if not errors:
        return Reading("unplaced")
    best_id, best = errors[0]
    runner_up = errors[1][1] if len(errors) > 1 else 0.0
    if best >= SURE and best - runner_up >= MARGIN:
        return Reading("identified", error_id=best_id)
    guesses = tuple(name for name, confidence in errors[:max_guesses] if confidence >= GUESS_FLOOR)
    if not guesses:
        return Reading("unplaced")
    return Reading("unsure", guesses=guesses)
