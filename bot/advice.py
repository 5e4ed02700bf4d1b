"""Turn a known error and the customer's own values into advice: explanation and fix steps."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from bot.kb.source import PLACEHOLDER, Actor, ErrorEntry, Link

__all__ = ["Advice", "Step", "advise", "fill", "follow_up"]


@dataclass(frozen=True)
class Step:
    """One fix step as the customer sees it."""

    number: int
    actor: str  # who acts, e.g. "You, in Xero"
    where: str
    text: str

    def line(self) -> str:
        """Return the step as one numbered line naming who acts and where."""
        return f"{self.number}. {self.actor} ({self.where}): {self.text}"


@dataclass(frozen=True)
class Advice:
    """What to tell the customer about one error."""

    error_id: str
    title: str
    message: str
    explanation: str
    steps: tuple[Step, ...]
    support: str
    handover: str | None
    links: tuple[Link, ...]

    def steps_text(self) -> str:
        """Return the steps as a numbered list, one per line, each naming who acts and where."""
        return "\n".join(step.line() for step in self.steps)


def fill(alternatives: Iterable[str], values: Mapping[str, str]) -> str:
    """Return the first alternative whose placeholders are all known, filled in.

    The last alternative should need no values; if every one needs a missing value, the
    last is returned with its placeholders left visible, which the source tests forbid.
    """
    options = list(alternatives)
    for option in options:
        names = PLACEHOLDER.findall(option)
        if all(values.get(name) for name in names):
            return PLACEHOLDER.sub(lambda m: str(values[m.group(1)]), option)
    return options[-1]


def advise(entry: ErrorEntry, values: Mapping[str, str], actors: Mapping[str, Actor]) -> Advice:
    """Return the advice for ``entry`` personalised with ``values`` (invoice number, codes...)."""
    steps = tuple(
        Step(
            number=i,
            actor=actors[step.actor].label if step.actor in actors else step.actor,
            where=step.where,
            text=fill(step.text, values),
        )
        for i, step in enumerate(entry.steps, start=1)
    )
    return Advice(
        error_id=entry.id,
        title=entry.title,
        message=entry.message,
        explanation=fill(entry.explanation, values),
        steps=steps,
        support=entry.support,
        handover=entry.handover,
        links=entry.links,
    )


def follow_up(entry: ErrorEntry) -> str:
    """Return what comes after the advice: ``handover``, ``fix_check`` or ``done``."""
    if entry.support == "always":
        return "handover"
    return "fix_check" if entry.confirm_fix else "done"
