"""Recognise the knowledge base's sync errors in pasted text and logs, and plan their fixes.

``Diagnoser(entries).diagnose(text)`` returns the errors found, with their values;
``triage(text_or_matches, entries)`` groups a whole sync log into an ordered plan.
"""

from __future__ import annotations

from bot.diagnosis.engine import Diagnoser, Match
from bot.diagnosis.triage import Plan, PlanItem, Record, triage

__all__ = ["Diagnoser", "Match", "Plan", "PlanItem", "Record", "triage"]
