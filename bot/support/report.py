"""The support team's report as one self-contained HTML page.

:mod:`bot.support.queries` counts, :mod:`bot.support.charts` draws, and the Jinja2 template
``templates/report.html.j2`` (autoescaped, with the stylesheet ``templates/report.css`` inlined)
lays the page out; this module only puts them together.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timezone
from importlib import resources

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from bot.support.charts import BLUE, ORANGE, bar_chart
from bot.support.queries import UNKNOWN_PER_CONVERSATION, ReportData

__all__ = ["render_html", "shares"]

_UNKNOWN_SHOWN = 50  # distinct unknown messages listed; the rest are counted
_CHARTS = ("identified", "how", "ended", "rated")


@dataclass(frozen=True)
class _Picture:
    uri: str
    alt: str


@dataclass(frozen=True)
class _Ending:
    label: str
    meaning: str
    count: int
    share: int
    counted_as: str


def render_html(data: ReportData, generated_at: datetime | None = None) -> str:
    """Return the report as one self-contained HTML page (charts embedded as PNG data URIs)."""
    generated_at = generated_at or datetime.now(timezone.utc)
    outcomes = data.outcomes
    confirmed, assumed, handed_over, none_found = shares(
        [
            outcomes.confirmed_fixed,
            outcomes.left_without_answering,
            outcomes.handed_over,
            outcomes.no_known_error,
        ]
    )
    endings = [
        _Ending(
            "Confirmed fixed",
            "the customer said the fix worked",
            outcomes.confirmed_fixed,
            confirmed,
            "resolved (confirmed)",
        ),
        _Ending(
            "Left without answering",
            "shown a fix, then never said whether it worked or asked for a person",
            outcomes.left_without_answering,
            assumed,
            "resolved (assumed)",
        ),
        _Ending(
            "Handed over",
            "given a ticket for Joblogic support",
            outcomes.handed_over,
            handed_over,
            "handed over",
        ),
        _Ending(
            "No known error found",
            "left with no known error identified and no ticket",
            outcomes.no_known_error,
            none_found,
            "not resolved",
        ),
    ]
    template = _environment().get_template("report.html.j2")
    return template.render(
        data=data,
        period=f"{_day(data.start)} to {_day(data.end)}",
        first_day=_day(data.start),
        last_day=_day(data.end),
        generated=generated_at.strftime("%d %b %Y %H:%M UTC"),
        stylesheet=_stylesheet(),
        endings=endings,
        resolution={
            "rate": confirmed + assumed,
            "confirmed": confirmed,
            "assumed": assumed,
            "handed_over": handed_over,
            "no_known_error": none_found,
        },
        charts=dict.fromkeys(_CHARTS) if data.empty else _charts(data),
        unknown_shown=data.unknown[:_UNKNOWN_SHOWN],
        per_conversation=UNKNOWN_PER_CONVERSATION,
    )


def shares(counts: Sequence[int]) -> list[int]:
    """Return whole percentages of ``counts`` that add up to 100 (largest remainders round up)."""
    total = sum(counts)
    if not total:
        return [0 for _ in counts]
    exact = [100 * n / total for n in counts]
    rounded = [int(x) for x in exact]
    by_remainder = sorted(range(len(counts)), key=lambda i: exact[i] - rounded[i], reverse=True)
    for index in by_remainder[: 100 - sum(rounded)]:
        rounded[index] += 1
    return rounded


def _charts(data: ReportData) -> dict[str, _Picture | None]:
    charts: dict[str, _Picture | None] = dict.fromkeys(_CHARTS)
    seen = [e for e in data.errors if e.identified]
    if seen:
        charts["identified"] = _Picture(
            bar_chart(
                [e.title for e in seen], [("Conversations", [e.identified for e in seen], BLUE)]
            ),
            "Conversations per error identified",
        )
    if any(n for _, n in data.how):
        charts["how"] = _Picture(
            bar_chart(
                [way.capitalize() for way, _ in data.how],
                [("Conversations", [n for _, n in data.how], BLUE)],
            ),
            "Errors identified by how the customer gave them",
        )
    ended = [e for e in data.errors if e.fixed or e.handed_over]
    if ended:
        charts["ended"] = _Picture(
            bar_chart(
                [e.title for e in ended],
                [
                    ("Fixed", [e.fixed for e in ended], BLUE),
                    ("Handed over", [e.handed_over for e in ended], ORANGE),
                ],
            ),
            "Fixed by the customer and handed over to support, per error",
        )
    rated = [e for e in data.errors if e.helpful or e.not_helpful]
    if rated:
        charts["rated"] = _Picture(
            bar_chart(
                [e.title for e in rated],
                [
                    ("Helpful", [e.helpful for e in rated], BLUE),
                    ("Not helpful", [e.not_helpful for e in rated], ORANGE),
                ],
            ),
            "Answers to 'was this helpful?', per error",
        )
    return charts


@functools.cache
def _environment() -> Environment:
    # Autoescape everything: customer text (unknown errors, titles of removed errors) is text.
    return Environment(
        loader=PackageLoader("bot.support", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


@functools.cache
def _stylesheet() -> Markup:
    css = resources.files("bot.support") / "templates" / "report.css"
    return Markup(css.read_text(encoding="utf-8").strip())  # our own static file


def _day(day: date) -> str:
    return f"{day.day} {day.strftime('%b %Y')}"
