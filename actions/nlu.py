"""Rasa's parse data in the core's terms: what the NLU made of a message."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.understanding import Entity, Interpretation

__all__ = ["interpretation"]


def interpretation(parse: Mapping[str, Any] | None) -> Interpretation:
    """Return Rasa's parse data (``intent``, ``intent_ranking``, ``entities``) for the core."""
    parse = parse or {}
    intent = parse.get("intent") or {}
    ranking = tuple(
        (str(item.get("name")), float(item.get("confidence") or 0.0))
        for item in parse.get("intent_ranking") or []
    )
    entities = tuple(
        Entity(str(e["entity"]), str(e["value"]), int(e.get("start") or 0))
        for e in parse.get("entities") or []
        if e.get("entity") and e.get("value") not in (None, "")
    )
    name = intent.get("name")
    return Interpretation(
        intent=str(name) if name is not None else None,
        confidence=float(intent.get("confidence") or 0.0),
        ranking=ranking,
        entities=entities,
    )
