"""The support team's report: what conversations found, fixed and handed over, as one HTML page.

:func:`report_data` counts (a repository function: it takes a session); :func:`render_html`
draws. Dates are whole days in UTC, both ends included.
"""

from __future__ import annotations

import base64
import html
import io
import re
import textwrap
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from sqlalchemy import and_, distinct, func, select, union
from sqlalchemy.orm import Session

from bot.handover import TicketRow
from bot.kb.source import ErrorEntry
from bot.records import DiagnosisRow, FeedbackRow, OutcomeRow

__all__ = ["ErrorFigures", "ReportData", "UnknownMessage", "render_html", "report_data"]

#: The ways a known error can be identified, in the order the report shows them.
HOW = ("pasted", "described", "picked")
_UNKNOWN_SHOWN = 50  # distinct unknown messages listed; the rest are counted
_BLUE, _ORANGE = "#1f6fb2", "#e07b1f"


@dataclass(frozen=True)
class ErrorFigures:
    """One error's figures over the range (conversations, except tickets and feedback answers)."""

    error_id: str
    title: str
    identified: int = 0
    fixed: int = 0
    handed_over: int = 0
    helpful: int = 0
    not_helpful: int = 0


@dataclass(frozen=True)
class UnknownMessage:
    """An error message the knowledge base doesn't know, and how many times it was pasted."""

    excerpt: str
    count: int


@dataclass(frozen=True)
class ReportData:
    """Everything the report shows, as plain numbers."""

    start: date
    end: date  # included
    conversations: int
    errors: tuple[ErrorFigures, ...]  # errors with any figure in the range, most identified first
    how: tuple[tuple[str, int], ...]  # (pasted|described|picked, conversation-errors first so)
    handed_over_unidentified: int  # tickets with no known error
    tickets_open: int
    tickets_closed: int
    unknown: tuple[UnknownMessage, ...]  # most pasted first

    @property
    def identified(self) -> int:
        """Return the number of (conversation, error) pairs identified."""
        return sum(e.identified for e in self.errors)

    @property
    def fixed(self) -> int:
        """Return the number of (conversation, error) pairs the customer said were fixed."""
        return sum(e.fixed for e in self.errors)

    @property
    def handed_over(self) -> int:
        """Return the number of tickets opened, with or without a known error."""
        return sum(e.handed_over for e in self.errors) + self.handed_over_unidentified

    @property
    def unknown_pasted(self) -> int:
        """Return how many times customers pasted an error the knowledge base doesn't know."""
        return sum(u.count for u in self.unknown)

    @property
    def empty(self) -> bool:
        """Return True when no conversation left anything in the range."""
        return self.conversations == 0


def report_data(
    session: Session, start: date, end: date, errors: Iterable[ErrorEntry]
) -> ReportData:
    """Count what conversations left between ``start`` and ``end`` (whole UTC days, inclusive).

    Args:
        session: an open session on the syncdesk database.
        start: the first day.
        end: the last day.
        errors: the knowledge base's errors, for their titles and order.
    """
    since = datetime.combine(start, time.min, tzinfo=timezone.utc)
    until = datetime.combine(end + timedelta(days=1), time.min, tzinfo=timezone.utc)

    def during(column: Any) -> Any:
        return and_(column >= since, column < until)

    conversation_ids = union(
        select(DiagnosisRow.conversation_id).where(during(DiagnosisRow.created_at)),
        select(OutcomeRow.conversation_id).where(during(OutcomeRow.created_at)),
        select(FeedbackRow.conversation_id).where(during(FeedbackRow.created_at)),
        select(TicketRow.conversation_id).where(during(TicketRow.created_at)),
    ).subquery()
    conversations = session.scalar(select(func.count()).select_from(conversation_ids)) or 0

    known = and_(during(DiagnosisRow.created_at), DiagnosisRow.error_id.is_not(None))
    identified = _counts(
        session,
        select(DiagnosisRow.error_id, func.count(distinct(DiagnosisRow.conversation_id)))
        .where(known)
        .group_by(DiagnosisRow.error_id),
    )
    # A conversation that pasted an error and later picked it counts once, by how it began.
    first = (
        select(func.min(DiagnosisRow.id).label("id"))
        .where(known)
        .group_by(DiagnosisRow.conversation_id, DiagnosisRow.error_id)
        .subquery()
    )
    how = _counts(
        session,
        select(DiagnosisRow.how, func.count())
        .join(first, DiagnosisRow.id == first.c.id)
        .group_by(DiagnosisRow.how),
    )
    fixed = _counts(
        session,
        select(OutcomeRow.error_id, func.count(distinct(OutcomeRow.conversation_id)))
        .where(during(OutcomeRow.created_at), OutcomeRow.outcome == "fixed")
        .group_by(OutcomeRow.error_id),
    )
    tickets = _counts(
        session,
        select(TicketRow.error_id, func.count())
        .where(during(TicketRow.created_at))
        .group_by(TicketRow.error_id),
    )
    statuses = _counts(
        session,
        select(TicketRow.status, func.count())
        .where(during(TicketRow.created_at))
        .group_by(TicketRow.status),
    )
    answers = session.execute(
        select(
            FeedbackRow.error_id,
            FeedbackRow.helpful,
            func.count(distinct(FeedbackRow.conversation_id)),
        )
        .where(during(FeedbackRow.created_at))
        .group_by(FeedbackRow.error_id, FeedbackRow.helpful)
    ).all()
    helpful = {error_id: n for error_id, yes, n in answers if yes}
    not_helpful = {error_id: n for error_id, yes, n in answers if not yes}
    pasted = session.execute(
        select(DiagnosisRow.excerpt, func.count())
        .where(during(DiagnosisRow.created_at), DiagnosisRow.error_id.is_(None))
        .group_by(DiagnosisRow.excerpt)
    ).all()

    entries = {entry.id: entry for entry in errors}
    unidentified = tickets.pop(None, 0)
    slugs = set(identified) | set(fixed) | set(tickets) | set(helpful) | set(not_helpful)
    slugs.discard(None)
    figures = [
        ErrorFigures(
            error_id=slug,
            title=entries[slug].title if slug in entries else slug,  # an error since removed
            identified=identified.get(slug, 0),
            fixed=fixed.get(slug, 0),
            handed_over=tickets.get(slug, 0),
            helpful=helpful.get(slug, 0),
            not_helpful=not_helpful.get(slug, 0),
        )
        for slug in slugs
    ]
    order = {slug: entry.number for slug, entry in entries.items()}
    figures.sort(key=lambda f: (-f.identified, order.get(f.error_id, 10_000), f.error_id))
    return ReportData(
        start=start,
        end=end,
        conversations=conversations,
        errors=tuple(figures),
        how=tuple((way, how.get(way, 0)) for way in HOW),
        handed_over_unidentified=unidentified,
        tickets_open=statuses.get("open", 0),
        tickets_closed=statuses.get("closed", 0),
        unknown=_unknown_messages(pasted),
    )


def render_html(data: ReportData, generated_at: datetime | None = None) -> str:
    """Return the report as one self-contained HTML page (charts embedded as PNG data URIs)."""
    generated_at = generated_at or datetime.now(timezone.utc)
    period = f"{_day(data.start)} to {_day(data.end)}"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>Syncdesk support report: {_e(period)}</title>",
        f"<style>{_STYLE}</style>",
        "</head>",
        "<body>",
        "<main>",
        "<h1>Syncdesk support report</h1>",
        f'<p class="period">{_e(period)} (UTC) &middot; generated '
        f"{_e(generated_at.strftime('%d %b %Y %H:%M UTC'))}</p>",
    ]
    if data.empty:
        parts.append(
            f'<p class="empty">There is no data for this range: no conversations between '
            f"{_e(_day(data.start))} and {_e(_day(data.end))}.</p>"
        )
    else:
        parts.extend(_summary(data))
        parts.extend(_error_sections(data))
        parts.extend(_unknown_section(data))
    parts.extend(["</main>", "</body>", "</html>", ""])
    return "\n".join(parts)


def _counts(session: Session, query: Any) -> dict[Any, int]:
    return {key: int(count) for key, count in session.execute(query).all()}


def _unknown_messages(rows: Sequence[Any]) -> tuple[UnknownMessage, ...]:
    # The same message pasted with different spacing or line breaks is one gap.
    counts: Counter[str] = Counter()
    for excerpt, count in rows:
        text = re.sub(r"\s+", " ", excerpt or "").strip()
        if text:
            counts[text] += int(count)
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return tuple(UnknownMessage(excerpt=text, count=count) for text, count in ranked)


def _summary(data: ReportData) -> list[str]:
    outcomes = data.fixed + data.handed_over
    tiles = [
        ("Conversations", str(data.conversations), ""),
        ("Errors identified", str(data.identified), "conversation and error pairs"),
        ("Fixed", str(data.fixed), _share(data.fixed, outcomes)),
        ("Handed over", str(data.handed_over), _share(data.handed_over, outcomes)),
        ("Tickets open", str(data.tickets_open), ""),
        ("Tickets closed", str(data.tickets_closed), ""),
        ("Unknown errors pasted", str(data.unknown_pasted), f"{len(data.unknown)} distinct"),
    ]
    lines = ["<section>", "<h2>At a glance</h2>", '<dl class="tiles">']
    for label, value, note in tiles:
        small = f"<small>{_e(note)}</small>" if note else ""
        lines.append(f"<div><dt>{_e(label)}</dt><dd>{_e(value)}</dd>{small}</div>")
    lines.append("</dl>")
    if data.handed_over_unidentified:
        lines.append(
            f"<p>{data.handed_over_unidentified} of the handovers had no identified error.</p>"
        )
    lines.append("</section>")
    return lines


def _error_sections(data: ReportData) -> list[str]:
    lines: list[str] = []
    seen = [e for e in data.errors if e.identified]
    lines += ["<section>", "<h2>Errors identified</h2>"]
    if seen:
        lines.append(
            _chart(
                "Conversations per error identified",
                [e.title for e in seen],
                [("Conversations", [e.identified for e in seen], _BLUE)],
            )
        )
    else:
        lines.append("<p>No known error was identified in this range.</p>")
    lines.append("</section>")

    lines += ["<section>", "<h2>How errors were identified</h2>"]
    if any(n for _, n in data.how):
        lines.append(
            _chart(
                "Errors identified by how the customer gave them",
                [way.capitalize() for way, _ in data.how],
                [("Conversations", [n for _, n in data.how], _BLUE)],
            )
        )
        lines.append(
            _table(
                ("How", "Conversations"),
                [(way.capitalize(), n) for way, n in data.how],
            )
        )
        lines.append(
            '<p class="note">Pasted: the exact message; described: in the customer\'s own words; '
            "picked: chosen from a list. Each conversation's error counts once, by how it was "
            "first given.</p>"
        )
    else:
        lines.append("<p>No known error was identified in this range.</p>")
    lines.append("</section>")

    ended = [e for e in data.errors if e.fixed or e.handed_over]
    lines += _paired_chart_section(
        "Fixed or handed over",
        "Fixed by the customer and handed over to support, per error",
        ended,
        ("Fixed", [e.fixed for e in ended]),
        ("Handed over", [e.handed_over for e in ended]),
        "No fix was confirmed and no known error was handed over.",
    )
    rated = [e for e in data.errors if e.helpful or e.not_helpful]
    lines += _paired_chart_section(
        "Was it helpful?",
        "Answers to 'was this helpful?', per error",
        rated,
        ("Helpful", [e.helpful for e in rated]),
        ("Not helpful", [e.not_helpful for e in rated]),
        'No customer answered "was this helpful?" in this range.',
    )

    lines += ["<section>", "<h2>By error</h2>"]
    lines.append(
        _table(
            ("Error", "Identified", "Fixed", "Handed over", "Helpful", "Not helpful"),
            [
                (e.title, e.identified, e.fixed, e.handed_over, e.helpful, e.not_helpful)
                for e in data.errors
            ],
        )
    )
    lines.append("</section>")
    return lines


def _unknown_section(data: ReportData) -> list[str]:
    lines = ["<section>", "<h2>Unknown errors customers pasted</h2>"]
    if not data.unknown:
        lines.append("<p>Every error message customers pasted was in the knowledge base.</p>")
    else:
        lines.append(
            "<p>Messages the knowledge base doesn't know: the gaps to fill, most pasted first.</p>"
        )
        shown = data.unknown[:_UNKNOWN_SHOWN]
        lines.append(
            _table(("Message", "Times"), [(u.excerpt, u.count) for u in shown], code_first=True)
        )
        if len(data.unknown) > len(shown):
            lines.append(f"<p>And {len(data.unknown) - len(shown)} more distinct messages.</p>")
    lines.append("</section>")
    return lines


def _table(headers: Sequence[str], rows: Iterable[Sequence[Any]], code_first: bool = False) -> str:
    numeric = ' class="n"'
    head = "".join(f"<th{numeric if i else ''}>{_e(h)}</th>" for i, h in enumerate(headers))
    body = []
    for row in rows:
        cells = []
        for i, value in enumerate(row):
            if isinstance(value, int):
                cells.append(f'<td class="n">{value}</td>')
            elif i == 0 and code_first:
                cells.append(f"<td><code>{_e(str(value))}</code></td>")
            else:
                cells.append(f"<td>{_e(str(value))}</td>")
        body.append(f"<tr>{''.join(cells)}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _chart(
    alt: str, labels: Sequence[str], series: Sequence[tuple[str, Sequence[int], str]]
) -> str:
    """Return an ``<img>`` of a horizontal bar chart, one bar per series for each label."""
    # The object API with an explicit Agg canvas: no pyplot global state, no display needed,
    # whatever MPLBACKEND says. Imported here: matplotlib is slow to import, and only the
    # report needs it.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    groups = len(series)
    figure = Figure(figsize=(8, 0.8 + len(labels) * (0.25 * groups + 0.25)), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    width = 0.8 / groups
    for index, (name, values, colour) in enumerate(series):
        offset = (index - (groups - 1) / 2) * width
        bars = axes.barh(
            [row + offset for row in range(len(labels))],
            values,
            height=width,
            label=name,
            color=colour,
        )
        axes.bar_label(bars, padding=3, fontsize=8)
    axes.set_yticks(range(len(labels)))
    axes.set_yticklabels([_axis_label(label) for label in labels], fontsize=9)
    axes.invert_yaxis()  # first label on top, as in the tables
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.margins(x=0.12)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    if groups > 1:
        axes.legend(loc="lower left", bbox_to_anchor=(0, 1), ncol=groups, frameon=False, fontsize=9)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", bbox_inches="tight")
    encoded = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f'<img src="data:image/png;base64,{encoded}" alt="{_e(alt)}">'


def _axis_label(text: str) -> str:
    # "$" would start matplotlib's mathtext.
    return "\n".join(textwrap.wrap(text.replace("$", r"\$"), 42)) or text


def _share(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)}% of outcomes" if whole else ""


def _day(day: date) -> str:
    return f"{day.day} {day.strftime('%b %Y')}"


def _e(text: str) -> str:
    return html.escape(text, quote=True)


_STYLE = """
:root { color-scheme: light; --ink: #1d2733; --muted: #5b6775; --line: #dde3ea; --tint: #f4f7fa; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
       color: var(--ink); background: #fff; }
main { max-width: 960px; margin: 0 auto; padding: 2rem 1.25rem 4rem; }
h1 { margin: 0 0 .25rem; font-size: 1.7rem; }
h2 { margin: 2.25rem 0 .75rem; font-size: 1.2rem; border-bottom: 1px solid var(--line);
     padding-bottom: .3rem; }
.period, .note, small { color: var(--muted); }
.empty { margin-top: 2rem; padding: 1rem 1.25rem; background: var(--tint); border-radius: 6px; }
.tiles { display: grid; grid-template-columns: repeat(auto-fill, minmax(150px, 1fr));
         gap: .75rem; margin: 0; }
.tiles div { background: var(--tint); border-radius: 6px; padding: .7rem .9rem; }
.tiles dt { font-size: .85rem; color: var(--muted); }
.tiles dd { margin: 0; font-size: 1.6rem; font-weight: 600; }
.tiles small { display: block; font-size: .8rem; }
img { max-width: 100%; height: auto; display: block; margin: .5rem 0 1rem; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; }
th, td { text-align: left; padding: .4rem .6rem; border-bottom: 1px solid var(--line);
         vertical-align: top; }
th { font-size: .85rem; color: var(--muted); font-weight: 600; }
.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
code { font: 13px/1.45 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
       white-space: pre-wrap; overflow-wrap: anywhere; }
"""


def _paired_chart_section(
    heading: str,
    caption: str,
    errors: list[ErrorFigures],
    good: tuple[str, list[int]],
    bad: tuple[str, list[int]],
    empty: str,
) -> list[str]:
    """Return a section with a two-series bar chart per error, or a line saying there's none."""
    lines = ["<section>", f"<h2>{html.escape(heading)}</h2>"]
    if errors:
        series = [(good[0], good[1], _BLUE), (bad[0], bad[1], _ORANGE)]
        lines.append(_chart(caption, [e.title for e in errors], series))
    else:
        lines.append(f"<p>{html.escape(empty)}</p>")
    lines.append("</section>")
    return lines
