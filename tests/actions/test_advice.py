"""The explanation's opening words follow how the error was identified (actions.advice.explain)."""

import pytest

from actions.diagnosis import ActionConfirmedError, ActionDiagnose, ActionNextError

from .conftest import make_tracker, texts

TAX = (
    "Invoice: INV-0042 - The TaxType code OUTPUT2 does not exist or cannot be used for this type "
    "of transaction. The TaxType code OUTPUT2 cannot be used with account code 200."
)


def _opening(messages):
    return texts(messages).split("\n")[0]


def test_a_pasted_message_is_known(db_url, run):
    messages, _ = run(ActionDiagnose(), make_tracker(TAX, "paste_error"))
    assert _opening(messages) == "I know this one: Xero won't accept the tax code on an invoice."


def test_an_error_picked_from_the_list_is_not_claimed_as_recognised(db_url, run):
    tracker = make_tracker("/tax-rate-inactive", "tax-rate-inactive", slots={"stage": "unsure"})
    messages, _ = run(ActionDiagnose(), tracker)
    assert _opening(messages).startswith("Here's that one: ")
    assert "I know this one" not in texts(messages)


def test_a_confirmed_error_thanks_the_customer(db_url, run):
    candidate = {"error_id": "tax-rate-inactive", "values": {"tax_code": "OUTPUT2"}}
    tracker = make_tracker("yes", "affirm", slots={"candidate": candidate, "stage": "confirm"})
    messages, _ = run(ActionConfirmedError(), tracker)
    assert _opening(messages).startswith("Thanks, that's the one: ")


def test_the_next_error_of_a_paste_says_so(db_url, run):
    pending = [{"error_id": "tax-rate-inactive", "values": {}}]
    tracker = make_tracker("yes", "affirm", slots={"pending_errors": pending, "sync_error": "x"})
    messages, _ = run(ActionNextError(), tracker)
    assert _opening(messages).startswith("Next one: ")


@pytest.mark.parametrize(
    ("error_id", "expected"),
    [
        # Alternatives: any one of them, not each in turn.
        ("tax-type-invalid", "Here's how to fix it. Any one of these will do, whichever suits you:"),
        ("account-code-invalid-for-document", "2. Then one of these, whichever fits:"),
    ],
)
def test_alternatives_are_shown_as_alternatives(db_url, run, error_id, expected):
    tracker = make_tracker(f"/{error_id}", error_id, slots={"stage": "unsure"})
    messages, _ = run(ActionDiagnose(), tracker)
    assert expected in texts(messages)
    assert "Or ask support" not in texts(messages)
