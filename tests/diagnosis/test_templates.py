from __future__ import annotations

import pytest

from bot.diagnosis.normalise import normalise
from bot.diagnosis.templates import Template, fold

TAX = Template("The TaxType code {tax_code} cannot be used with account code {account_code}")


def search(template: Template, text: str):
    return template.regex.search(fold(text))


def test_whole_match_ignores_case_spacing_and_quotes():
    text = "the  taxtype\ncode 'OutPut2' CANNOT be used with account code '200'."
    match = search(TAX, text)
    assert match is not None
    assert TAX.values(match, normalise(text)) == {"tax_code": "OutPut2", "account_code": "200"}


def test_closing_value_stays_on_its_line():
    assert search(TAX, "The TaxType code X cannot be used with account code\n2024-05-01") is None


def test_words_are_whole_words():
    template = Template("Payment amount exceeds the amount outstanding on this document")
    assert (
        search(template, "Overpayment amount exceeds the amount outstanding on this document")
        is None
    )
    assert (
        search(template, "Payment amount exceeds the amount outstanding on this documents") is None
    )
    assert search(template, "x Payment amount exceeds the amount outstanding on this document.")


def test_punctuation_look_alikes():
    template = Template("Service Unavailable - Fail to connect")
    assert search(template, "Service Unavailable \u2013 Fail to connect")
    assert search(template, "Service Unavailable-Fail to connect")


def test_a_colon_read_as_a_semicolon_still_matches():
    """OCR of a JPEG screenshot often reads Joblogic's "Invoice:" as "Invoice;"."""
    template = Template("Invoice: {invoice_number} - Invoice # must be unique")
    text = "Invoice; 176712 - Invoice # must be unique"
    match = search(template, text)
    assert match is not None
    assert template.values(match, normalise(text)) == {"invoice_number": "176712"}


def test_fold_keeps_offsets():
    text = "İnvoice: INV-1 - Tax rate must be Active"
    assert len(fold(text)) == len(text)
    assert fold("ABC") == "abc"


@pytest.mark.parametrize(
    ("text", "coverage"),
    [
        ("The TaxType code X cannot be used with account code ", 1.0),
        ("The TaxType code X cannot be used with acc", 33 / 41),
        ("The TaxType code X cannot be used with account", 37 / 41),
    ],
)
def test_cut(text, coverage):
    start = TAX.start.search(fold(text)) if TAX.start else None
    assert start is not None
    cut = TAX.cut(fold(text), normalise(text), start)
    assert cut is not None
    assert cut.coverage == pytest.approx(coverage)
    assert cut.values == {"tax_code": "X"}


@pytest.mark.parametrize(
    "text",
    [
        "The TaxType code X cannot be",  # too little
        "The TaxType code X cannot be used with ac",  # too little of the word, between words
        "The TaxType code X cannot be used with acc and more",  # not the end of the text
        "The TaxType code X is not valid",
    ],
)
def test_not_a_cut(text):
    start = TAX.start.search(fold(text)) if TAX.start else None
    assert start is not None
    assert TAX.cut(fold(text), normalise(text), start) is None


def test_short_templates_cannot_be_cut():
    assert Template("Token expired").start is None


def test_anchor_is_a_word_of_the_start():
    assert TAX.anchor == "taxtype"


def test_empty_template_is_a_developer_error():
    with pytest.raises(ValueError):
        Template("   ")
