from __future__ import annotations

import re

import pytest

from bot.diagnosis.values import QUOTE, value_pattern
from bot.kb.source import PLACEHOLDERS


def whole(name: str, text: str) -> str | None:
    found = re.match(f"{QUOTE}?({value_pattern(name)}){QUOTE}?", text)
    return found.group(1) if found else None


@pytest.mark.parametrize(
    ("name", "text", "value"),
    [
        ("invoice_number", "INV-0042 -", "INV-0042"),
        ("invoice_number", "J-7781/2,", "J-7781/2"),
        ("invoice_number", "104552.", "104552"),
        ("invoice_number", "'JL10234'", "JL10234"),
        ("tax_code", "ECZROUTPUTSERVICES.", "ECZROUTPUTSERVICES"),
        ("tax_code", "'TAX001'", "TAX001"),
        ("account_code", "451.1.", "451.1"),
        ("account_code", "40010-01'", "40010-01"),
        ("account_code", "\\u0027SALES\\u0027", "SALES"),
        ("account_code", "&quot;200&quot;", "200"),
        ("amount", "1,234.50,", "1,234.50"),
        ("amount", "250 ", "250"),
        ("amount", "-12.00", "-12.00"),
        ("account_name", "Director's Loan - ", "Director's Loan -"),
        ("tracking_option", "North-West.", "North-West"),
    ],
)
def test_value_shapes(name, text, value):
    assert whole(name, text) == value


def test_fragments_have_no_groups_of_their_own():
    for name in (*PLACEHOLDERS, "anything_new"):
        assert re.compile(value_pattern(name)).groups == 0
    assert re.compile(QUOTE).groups == 0
