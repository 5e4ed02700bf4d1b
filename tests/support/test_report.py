from __future__ import annotations

import html
import re
from datetime import date, datetime, timezone

import pytest

from bot import db
from bot.kb import knowledge_base
from bot.support import ErrorFigures, UnknownMessage, render_html, report_data

MAY_1, MAY_31 = date(2024, 5, 1), date(2024, 5, 31)
TAX, DUPLICATE, PAYMENT = (
    "tax-type-invalid",
    "invoice-number-duplicate",
    "payment-exceeds-outstanding",
)
SCRIPT = "Contact <script>alert(1)</script> must be unique"


def at(day, hour=12, minute=0, month=5):
    return datetime(2024, month, day, hour, minute, tzinfo=timezone.utc)


def fill_may(s):
    # c1 pasted the tax error, then picked it again: one identification, by pasting. Fixed.
    s.diagnosis("c1", TAX, "pasted", at(2, 9))
    s.diagnosis("c1", TAX, "picked", at(2, 10))
    s.fixed("c1", TAX, at(2, 11))
    s.feedback("c1", TAX, True, at(2, 11))
    # c2 described it; the fix didn't work, so it was handed over.
    s.diagnosis("c2", TAX, "described", at(3))
    s.feedback("c2", TAX, False, at(3))
    s.ticket("c2", TAX, at(3), values={"invoice_number": "INV-0042"})
    # c3 picked the duplicate invoice number error and fixed it; the ticket is closed.
    s.diagnosis("c3", DUPLICATE, "picked", at(4))
    s.fixed("c3", DUPLICATE, at(4))
    s.ticket("c3", DUPLICATE, at(4), status="closed")
    # c4 and c5 pasted an error the KB doesn't know (with different spacing); c4 handed over.
    s.diagnosis("c4", None, "unknown", at(5), excerpt=SCRIPT)
    s.ticket("c4", None, at(5), reason="unknown_error")
    s.diagnosis("c5", None, "unknown", at(6), excerpt=SCRIPT.replace(" ", "  \n", 1))
    s.diagnosis("c5", None, "unknown", at(6), excerpt="Something else went wrong")
    # The last minute of the range counts; the minutes either side don't.
    s.diagnosis("c6", PAYMENT, "pasted", at(31, 23, 59))
    s.diagnosis("before", PAYMENT, "pasted", at(30, 23, 59, month=4))
    s.fixed("before", PAYMENT, at(30, 23, 59, month=4))
    s.diagnosis("after", PAYMENT, "pasted", at(1, 0, 0, month=6))
    s.ticket("after", PAYMENT, at(1, 0, 0, month=6))
    s.feedback("after", PAYMENT, True, at(1, 0, 0, month=6))


def build(db_url, start=MAY_1, end=MAY_31):
    with knowledge_base(db_url) as kb:
        errors = kb.errors()
    with db.session_factory(db_url).begin() as session:
        return report_data(session, start, end, errors), {e.id: e.title for e in errors}


@pytest.fixture
def may(seed, db_url):
    seed(fill_may)
    return build(db_url)


def test_counts_conversations_across_every_kind_of_row(may):
    data, _ = may
    assert data.conversations == 6
    assert not data.empty


def test_figures_per_error(may):
    data, titles = may
    # Most identified first, then in the help guide's order.
    assert data.errors == (
        ErrorFigures(
            TAX, titles[TAX], identified=2, fixed=1, handed_over=1, helpful=1, not_helpful=1
        ),
        ErrorFigures(PAYMENT, titles[PAYMENT], identified=1),
        ErrorFigures(DUPLICATE, titles[DUPLICATE], identified=1, fixed=1, handed_over=1),
    )
    assert data.identified == 4
    assert data.fixed == 2


def test_how_counts_each_conversation_error_once_by_how_it_began(may):
    data, _ = may
    assert data.how == (("pasted", 2), ("described", 1), ("picked", 1))


def test_handovers_and_ticket_status(may):
    data, _ = may
    assert data.handed_over == 3
    assert data.handed_over_unidentified == 1
    assert (data.tickets_open, data.tickets_closed) == (2, 1)


def test_unknown_errors_are_deduplicated_with_counts(may):
    data, _ = may
    assert data.unknown == (
        UnknownMessage(SCRIPT, 2),
        UnknownMessage("Something else went wrong", 1),
    )
    assert data.unknown_pasted == 3


def test_an_error_no_longer_in_the_kb_is_named_by_its_slug(seed, db_url):
    seed(lambda s: s.diagnosis("c1", "retired-error", "pasted", at(2)))
    data, _ = build(db_url)
    assert data.errors == (ErrorFigures("retired-error", "retired-error", identified=1),)


def test_page_shows_titles_counts_and_charts(may):
    data, titles = may
    page = render_html(data)
    assert "<title>Syncdesk support report: 1 May 2024 to 31 May 2024</title>" in page
    assert "<h1>Syncdesk support report</h1>" in page
    for slug in (TAX, DUPLICATE, PAYMENT):
        assert html.escape(titles[slug]) in page
    assert html.escape(titles["tax-rate-inactive"]) not in page  # no data for it
    tiles = dict(re.findall(r"<dt>([^<]+)</dt><dd>(\d+)</dd>", page))
    assert tiles == {
        "Conversations": "6",
        "Errors identified": "4",
        "Fixed": "2",
        "Handed over": "3",
        "Tickets open": "2",
        "Tickets closed": "1",
        "Unknown errors pasted": "3",
    }
    row = re.search(rf"<tr><td>{re.escape(html.escape(titles[TAX]))}</td>(.*?)</tr>", page)
    assert row is not None
    assert re.findall(r'<td class="n">(\d+)</td>', row.group(1)) == ["2", "1", "1", "1", "1"]
    assert page.count('<img src="data:image/png;base64,') == 4


def test_page_escapes_customer_text(may):
    page = render_html(may[0])
    assert "Contact &lt;script&gt;alert(1)&lt;/script&gt; must be unique" in page
    assert "<script>" not in page


def test_page_is_self_contained(may):
    page = render_html(may[0])
    assert not re.search(r"""(src|href)=["'](?!data:)""", page)
    assert "<script" not in page.lower()


def test_empty_range_says_so_without_charts(seed, db_url):
    seed(fill_may)
    data, _ = build(db_url, date(2023, 1, 1), date(2023, 1, 31))
    assert data.empty
    assert data.errors == () and data.unknown == ()
    page = render_html(data)
    assert "There is no data for this range" in page
    assert "<img" not in page and "<table" not in page


def test_only_unknown_errors_draws_no_empty_chart(seed, db_url):
    seed(lambda s: s.diagnosis("c1", None, "unknown", at(2), excerpt="Contact name must be unique"))
    data, _ = build(db_url)
    page = render_html(data)
    assert data.conversations == 1
    assert "<img" not in page
    assert "No known error was identified in this range." in page
    assert "Contact name must be unique" in page
