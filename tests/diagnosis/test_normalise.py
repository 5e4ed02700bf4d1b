from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.diagnosis.normalise import as_written, normalise

# -- the text the engine matches ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "plain"),
    [
        ("Account code &#39;200&#39;", "Account code '200'"),
        ("Account code &amp;#39;200&amp;#39;", "Account code '200'"),  # escaped twice
        ("Invoice:&nbsp;INV-1", "Invoice: INV-1"),
        ("Sales &amp; Marketing", "Sales & Marketing"),
        ("&quot;OUTPUT2&quot;", '"OUTPUT2"'),
        ("\u2018OUTPUT2\u2019 \u201c200\u201d", "'OUTPUT2' \"200\""),
        ("Inv\u200boice # must\u00ad be unique\u200e\u200f\ufeff", "Invoice # must be unique"),
        ("Invoice\uff1a INV\uff0d1", "Invoice: INV-1"),  # fullwidth colon and hyphen
        ("Service Unavailable \u2013 Fail to connect", "Service Unavailable - Fail to connect"),
        ("T\u0430x r\u0430t\u0435 must b\u0435 \u0410ctive", "Tax rate must be Active"),  # Cyrillic
        ("\u0399nvoice \u039fbject", "Invoice Object"),  # Greek capitals
        ("Tax\u2009rate\u3000must be\u00a0Active", "Tax rate must be Active"),
        ("does not exist \u2026", "does not exist ..."),
        ("\ufb01eld", "field"),  # a ligature
        ("&bogus; stays", "&bogus; stays"),  # not an entity html knows
    ],
)
def test_pasted_characters_become_plain(raw, plain):
    assert normalise(raw).text == plain


def test_plain_ascii_is_not_copied():
    text = "Invoice: INV-0042 - Invoice # must be unique"
    normalised = normalise(text)
    assert normalised.unchanged
    assert normalised.text is text
    assert normalised.span(9, 17) == (9, 17)


# -- the way back ------------------------------------------------------------------------------


def test_spans_map_back_over_removed_and_decoded_characters():
    raw = "a\u200b\u200bb&amp;c\ufb01d"
    normalised = normalise(raw)
    assert normalised.text == "ab&cfid"
    assert normalised.span(0, 2) == (0, 4)  # "a", two invisible characters, "b"
    assert normalised.span(2, 3) == (4, 9)  # "&" came from "&amp;"
    assert normalised.span(4, 5) == (10, 11)  # half the ligature is all of it
    assert raw[slice(*normalised.span(0, len(normalised.text)))] == raw


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("INV\u200b-0042", "INV-0042"),  # invisible characters are dropped
        ("Sales &amp; Marketing", "Sales & Marketing"),  # entities decoded
        ("Petty&nbsp;Cash", "Petty Cash"),  # any space made plain
        ("Director\u2019s Loan", "Director\u2019s Loan"),  # visible characters kept
        ("\uff29\uff2e\uff36\uff11", "\uff29\uff2e\uff36\uff11"),  # as written, fullwidth
        ("\u0406NV-1", "\u0406NV-1"),  # a Cyrillic letter as written
    ],
)
def test_values_come_out_as_written_less_what_is_invisible(raw, value):
    normalised = normalise(raw)
    assert normalised.value(0, len(normalised.text)) == value


# -- through the engine: values survive what pasting does to a message -------------------------

TAX = "Invoice: INV-0042 - The TaxType code 'OUTPUT2' cannot be used with account code '200'."
VALUES = {"invoice_number": "INV-0042", "tax_code": "OUTPUT2", "account_code": "200"}


@pytest.mark.parametrize(
    "pasted",
    [
        TAX.replace("'", "&#39;"),
        TAX.replace(" ", "&nbsp;"),
        TAX.replace("'OUTPUT2'", "\u2018OUTPUT2\u2019").replace("'200'", "\u201c200\u201d"),
        TAX.replace("OUTPUT2", "OUT\u200bPUT2").replace("INV-0042", "INV-\u200b0042"),
        TAX.replace("TaxType", "Tax\u00adType").replace("account", "ac\u00adcount"),
        "\u200e" + TAX + "\u200f",
        TAX.replace("code", "c\u043ede").replace("The", "\u0422he"),
        TAX.replace("Invoice:", "Invoice\uff1a"),
        TAX.replace(" - ", " \u2013 "),
        TAX.replace(" ", "\u00a0"),
    ],
)
def test_values_survive_pasting(diagnoser, pasted):
    (match,) = diagnoser.diagnose(pasted)
    assert (match.error_id, match.how, match.values) == ("tax-type-invalid", "exact", VALUES)
    assert match.confidence == 1.0
    assert 0 < match.span[0] < match.span[1] <= len(pasted)


def test_an_invisible_character_inside_a_value_is_dropped(diagnoser):
    (match,) = diagnoser.diagnose("Invoice: INV-\u200b42 - Invoice # must be unique")
    assert match.values == {"invoice_number": "INV-42"}


def test_an_escaped_ampersand_in_an_account_name(diagnoser):
    (match,) = diagnoser.diagnose("Account: Sales &amp; Marketing - The Code field is required")
    assert match.values == {"account_name": "Sales & Marketing"}


def test_the_match_span_is_in_the_text_as_pasted(diagnoser):
    text = "x\u200b\u200b &amp; Tax rate must be Active"
    (match,) = diagnoser.diagnose(text)
    assert text[slice(*match.span)] == "Tax rate must be Active"


# -- properties --------------------------------------------------------------------------------

_PIECES = [*"aB1 :-'\"&;#x\n", "&amp;", "&#39;", "&nbsp;", "&amp;#39;", "\u200b", "\u00ad"]
_PIECES += [
    "\u2019",
    "\u2013",
    "\u0430",
    "\ufb01",
    "\u2026",
    "\uff1a",
    "\u3000",
    "\u0130",
    "\u200e",
]
_PASTED = st.lists(st.sampled_from(_PIECES), max_size=40).map("".join)


@settings(max_examples=300, deadline=None)
@given(_PASTED | st.text(max_size=80))
def test_the_map_back_is_consistent(raw):
    normalised = normalise(raw)
    text = normalised.text
    assert not any(unicodedata.category(c) == "Cf" for c in text)
    previous = (0, 0)
    for start in range(len(text) + 1):
        begin, end = normalised.span(start, min(start + 1, len(text)))
        assert 0 <= begin <= end <= len(raw)
        assert begin >= previous[0]
        previous = (begin, end)
    assert normalised.value(0, len(text)) == as_written(raw[slice(*normalised.span(0, len(text)))])
