"""What the support team gets: handover tickets on the command line and the support report."""

from __future__ import annotations

from bot.support.notes import Note, add_note, notes_for
from bot.support.queries import (
    ErrorFigures,
    Outcomes,
    ReportData,
    UnknownMessage,
    newest_tickets,
    report_data,
)
from bot.support.report import render_html

__all__ = [
    "ErrorFigures",
    "Note",
    "Outcomes",
    "ReportData",
    "UnknownMessage",
    "add_note",
    "newest_tickets",
    "notes_for",
    "render_html",
    "report_data",
]
