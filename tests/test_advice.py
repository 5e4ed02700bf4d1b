import re

import pytest

from bot.advice import Advice, FollowUp, Step, advise, fill, follow_up
from bot.replies import OPENINGS, advice_messages


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
    assert "INV-0042" in advice.steps[1].text
    # Three alternative routes, not three steps to take in turn.
    assert [s.label for s in advice.steps] == ["1a", "1b", "1c"]
    assert advice.only_alternatives
    assert advice.steps_text().splitlines()[0].startswith("- You, in Xero (Xero › Accounting")


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
        ("service-unavailable", FollowUp.DONE),
        ("tax-type-invalid", FollowUp.CHECK_FIX),
        ("payment-exceeds-outstanding", FollowUp.HAND_OVER),
        ("object-reference", FollowUp.HAND_OVER),
    ],
)
def test_what_follows_the_advice(kb, error_id, expected):
    assert follow_up(kb.error(error_id)) == expected


def test_the_error_is_named_in_plain_words_first(kb):
    advice = advise(kb.error("payment-account-type-invalid"), {}, kb.actors())
    first = advice_messages(advice, links=False)[0]
    assert first.startswith("I know this one: The Xero account the payment goes to can't take payments.\n\n")


def _advice(*steps: Step, support: str = "never") -> Advice:
    return Advice("e", "An error", "", "Why.", steps, support, None, ())


def test_a_sequence_is_numbered_and_a_choice_is_one_step_with_its_routes_under_it():
    advice = _advice(
        Step(1, "You, in Xero", "Xero › Accounts", "Look for account 200."),
        Step(2, "You, in Xero", "Xero › Accounts", "If it isn't there, add it.", option="a"),
        Step(2, "You, in Xero", "Xero › Accounts", "If it is there, change its type.", option="b"),
        Step(3, "Joblogic support", "Joblogic support", "They check it."),
    )
    assert not advice.only_alternatives
    assert advice.steps_text().splitlines() == [
        "1. You, in Xero (Xero › Accounts): Look for account 200.",
        "2. Then one of these, whichever fits:",
        "   - You, in Xero (Xero › Accounts): If it isn't there, add it.",
        "   - You, in Xero (Xero › Accounts): If it is there, change its type.",
        "3. Joblogic support: They check it.",
    ]
    # A ticket or an email shows each step on its own line, alternatives marked as such.
    assert advice.step_lines() == [
        "1. You, in Xero (Xero › Accounts): Look for account 200.",
        "2a. Either: You, in Xero (Xero › Accounts): If it isn't there, add it.",
        "2b. Or: You, in Xero (Xero › Accounts): If it is there, change its type.",
        "3. Joblogic support: They check it.",
    ]


def test_a_fix_that_is_only_a_choice_says_any_one_will_do():
    advice = _advice(
        Step(1, "You, in Xero", "Xero", "Add the tax rate.", option="a"),
        Step(1, "Joblogic support", "", "They change the code.", option="b"),
    )
    assert advice.only_alternatives
    steps = advice_messages(advice, links=False)[1]
    assert steps == (
        "Here's how to fix it. Any one of these will do, whichever suits you:\n"
        "- You, in Xero (Xero): Add the tax rate.\n"
        "- Joblogic support: They change the code."
    )


@pytest.mark.parametrize("where", ["Joblogic support", "joblogic support", "", "  "])
def test_the_place_is_shown_only_when_it_adds_something(where):
    assert Step(2, "Joblogic support", where, "They do it.").line() == (
        "2. Joblogic support: They do it."
    )


def test_steps_are_numbered_from_the_sources_choices(kb):
    advice = advise(kb.error("credit-note-invoice-missing"), {}, kb.actors())
    assert [s.label for s in advice.steps] == ["1", "2a", "2b", "2c"]
    advice = advise(kb.error("payment-invoice-missing"), {}, kb.actors())
    assert [s.label for s in advice.steps] == ["1", "2", "3"]


def test_no_step_shows_its_actor_twice(kb):
    for entry in kb.errors():
        advice = advise(entry, {}, kb.actors())
        for line in [*advice.steps_text().splitlines(), *advice.step_lines()]:
            assert "Joblogic support (Joblogic support)" not in line, (entry.id, line)
            assert not re.search(r"(You, in \w+) \(\1\)", line), (entry.id, line)


def test_no_step_asks_for_the_sync_that_did_that_fix_it_asks_for(kb):
    # "Did that fix it?" (utter_ask_if_fixed) says "run the sync again" after the steps.
    for entry in kb.errors():
        if follow_up(entry) is not FollowUp.CHECK_FIX:
            continue
        for step in advise(entry, {}, kb.actors()).steps:
            assert "run the sync" not in step.text.lower(), (entry.id, step.text)


@pytest.mark.parametrize(
    ("how", "opening"),
    [
        ("exact", "I know this one: An error."),
        ("approximate", "That looks like this one: An error."),
        ("described", "From what you describe, it's this one: An error."),
        ("picked", "Here's that one: An error."),
        ("confirmed", "Thanks, that's the one: An error."),
        ("next", "Next one: An error."),
        ("something new", "I know this one: An error."),
    ],
)
def test_the_opening_fits_how_the_error_was_identified(how, opening):
    first = advice_messages(_advice(Step(1, "You, in Xero", "Xero", "Do it.")), links=False, how=how)
    assert first[0] == f"{opening}\n\nWhy."


def test_only_a_pasted_message_opens_with_i_know_this_one():
    assert [how for how, text in OPENINGS.items() if text.startswith("I know this one")] == [
        "exact"
    ]
