"""What the support team gets: handover tickets on the command line and the support report."""

from __future__ import annotations

from bot.support.report import (
    ErrorFigures,
    ReportData,
    UnknownMessage,
    render_html,
    report_data,
)

__all__ = ["ErrorFigures", "ReportData", "UnknownMessage", "render_html", "report_data"]
