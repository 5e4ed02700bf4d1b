"""Turn a known error and the customer's own values into advice: explanation and fix steps."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import Enum
from string import ascii_lowercase

from bot.kb.source import PLACEHOLDER, Actor, ErrorEntry, FixStep, Link

__all__ = ["Advice", "FollowUp", "Step", "advise", "fill", "follow_up"]


@dataclass(frozen=True)
class Step:
    """One fix step as the customer sees it.

    ``number`` is the step's place in the sequence. Alternative routes (the customer takes one,
    not all) share their number and are told apart by ``option``: "a", "b", ...; a step every
    customer takes has no option.
    """

    number: int
    actor: str  # who acts, e.g. "You, in Xero"
    where: str
    text: str
    option: str = ""

    @property
    def label(self) -> str:
        """Return the step's label: "2", or "2b" for the second alternative of step 2."""
        return f"{self.number}{self.option}"

    @property
    def who(self) -> str:
        """Return who acts, and where when that adds something: "You, in Xero (Xero › …)"."""
        place = self.where.strip()
        if not place or place.casefold() == self.actor.strip().casefold():
            return self.actor
        return f"{self.actor} ({place})"

    def line(self) -> str:
        """Return the step as one labelled line; alternatives say "Either" or "Or"."""
        either = ""
        if self.option:
            either = "Either: " if self.option == "a" else "Or: "
        return f"{self.label}. {either}{self.who}: {self.text}"


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

    @property
    def only_alternatives(self) -> bool:
        """Say whether the whole fix is one choice between alternative routes."""
        return bool(self.steps) and all(
            step.option and step.number == self.steps[0].number for step in self.steps
        )

    def steps_text(self) -> str:
        """Return the steps, one per line: numbered in order, alternatives as a list under one.

        Alternatives are bullets (not "a)", which Markdown doesn't take for a list) under their
        step's number, or on their own when the whole fix is one choice.
        """
        lines = []
        for step in self.steps:
            if not step.option:
                lines.append(f"{step.number}. {step.who}: {step.text}")
                continue
            if self.only_alternatives:
                lines.append(f"- {step.who}: {step.text}")
                continue
            if step.option == "a":
                then = "Then one" if step.number > 1 else "One"
                lines.append(f"{step.number}. {then} of these, whichever fits:")
            lines.append(f"   - {step.who}: {step.text}")
        return "\n".join(lines)

    def step_lines(self) -> list[str]:
        """Return the steps as self-contained lines for a ticket or an email ("2b. Or: ...")."""
        return [step.line() for step in self.steps]


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
    return Advice(
        error_id=entry.id,
        title=entry.title,
        message=entry.message,
        explanation=fill(entry.explanation, values),
        steps=_steps(entry.steps, values, actors),
        support=entry.support,
        handover=entry.handover,
        links=entry.links,
    )


def _steps(
    steps: Iterable[FixStep], values: Mapping[str, str], actors: Mapping[str, Actor]
) -> tuple[Step, ...]:
    """Number the steps in order; the alternatives of one choice share a number, lettered."""
    shown: list[Step] = []
    number = routes = 0
    choice: int | None = None
    for step in steps:
        if step.choice is None or step.choice != choice:
            number, routes = number + 1, 0
        choice = step.choice
        if choice is not None:
            routes += 1
        shown.append(
            Step(
                number=number,
                actor=actors[step.actor].label if step.actor in actors else step.actor,
                where=step.where,
                text=fill(step.text, values),
                option=ascii_lowercase[routes - 1] if choice is not None else "",
            )
        )
    return tuple(shown)


class FollowUp(Enum):
    """What comes after an error's advice."""

    HAND_OVER = "hand_over"  # people must act: open the ticket
    CHECK_FIX = "check_fix"  # ask whether the fix worked
    DONE = "done"  # nothing to check


def follow_up(entry: ErrorEntry) -> FollowUp:
    """Return what comes after the advice for ``entry``."""
    if entry.support == "always":
        return FollowUp.HAND_OVER
    return FollowUp.CHECK_FIX if entry.confirm_fix else FollowUp.DONE
