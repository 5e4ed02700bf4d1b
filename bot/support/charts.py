"""The report's charts: horizontal bar charts drawn by matplotlib, as PNG data URIs."""

from __future__ import annotations

import base64
import io
import textwrap
from collections.abc import Sequence

__all__ = ["BLUE", "ORANGE", "bar_chart"]

BLUE, ORANGE = "#1f6fb2", "#e07b1f"


def bar_chart(labels: Sequence[str], series: Sequence[tuple[str, Sequence[int], str]]) -> str:
    """Return a ``data:image/png`` URI of bars for each label, one per (name, values, colour)."""
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
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _axis_label(text: str) -> str:
    # "$" would start matplotlib's mathtext.
    return "\n".join(textwrap.wrap(text.replace("$", r"\$"), 42)) or text
