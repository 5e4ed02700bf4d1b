import pytest

from bot.advice import advise, fill, follow_up


def test_fill_takes_the_most_specific_alternative_it_can():
    options = [
        "Invoice {invoice_number} uses {tax_code}.",
        "Invoice {invoice_number}.",
        "An invoice.",
    ]
    assert (
        fill(options, {"invoice_number": "INV-1", "tax_code": "OUTPUT2"})
        == "Invoice INV-1 uses OUTPUT2."
    )
    assert fill(options, {"invoice_number": "INV-1"}) == "Invoice INV-1."
    assert fill(options, {"tax_code": "OUTPUT2"}) == "An invoice."
    assert fill(options, {"invoice_number": ""}) == "An invoice."


def test_advice_for_tax_type_invalid_uses_the_customers_values(kb):
    entry = kb.error("tax-type-invalid")
    advice = advise(
        entry,
        {"invoice_number": "INV-0042", "tax_code": "OUTPUT2", "account_code": "200"},
        kb.actors(),
    )
    assert advice.explanation.startswith(
        "Invoice INV-0042 uses tax code OUTPUT2, which your Xero organisation doesn't accept "
        "with account code 200"
    )
    assert [s.actor for s in advice.steps] == [
        "You, in Xero",
        "You, in Joblogic",
        "Joblogic support",
    ]
    assert advice.steps[0].where == "Xero › Accounting › Advanced › Tax rates"
    assert "OUTPUT2" in advice.steps[0].text and "200" in advice.steps[0].text
    assert advice.steps_text().splitlines()[0].startswith("1. You, in Xero (Xero › Accounting")


def test_payment_advice_shows_amount_with_pound_sign(kb):
    advice = advise(
        kb.error("payment-account-type-invalid"),
        {"invoice_number": "JL10234", "amount": "1,234.50", "account_code": "090"},
        kb.actors(),
    )
    assert "£1,234.50 on invoice JL10234" in advice.explanation
    assert advice.steps[0].text == "Find account 090 and open it."


@pytest.mark.parametrize(
    ("error_id", "expected"),
    [
        ("service-unavailable", "done"),
        ("tax-type-invalid", "fix_check"),
        ("payment-exceeds-outstanding", "handover"),
        ("object-reference", "handover"),
    ],
)
def test_what_follows_the_advice(kb, error_id, expected):
    assert follow_up(kb.error(error_id)) == expected


def test_the_error_is_named_in_plain_words_first(kb):
    from bot.replies import advice_messages

    advice = advise(kb.error("payment-account-type-invalid"), {}, kb.actors())
    first = advice_messages(advice, links=False)[0]
    assert first.startswith("I know this one: The Xero account the payment goes to can't take payments.\n\n")
