from actions.diagnosis import ActionDiagnose, ActionNextError
from actions.followups import ActionCorrect

from .conftest import make_tracker, slots_set, texts

TAX = (
    "Invoice: INV-8 - The TaxType code OUTPUT2 does not exist or cannot be used for this type "
    "of transaction. The TaxType code OUTPUT2 cannot be used with account code 200."
)
EXPLAINED = {
    "sync_error": "tax-type-invalid",
    "invoice_number": "INV-8",
    "tax_code": "OUTPUT2",
    "account_code": "200",
    "stage": "fix_check",
}


def test_a_corrected_invoice_number_is_explained_again(db_url, run):
    tracker = make_tracker(
        "sorry, misread the screen - the invoice is INV-88 not INV-8",
        "correct_value",
        entities=[
            {"entity": "invoice_number", "value": "INV-88", "start": 43},
            {"entity": "invoice_number", "value": "INV-8", "start": 54},
        ],
        slots=EXPLAINED,
    )
    messages, events = run(ActionCorrect(), tracker)
    slots = slots_set(events)
    assert (slots["sync_error"], slots["invoice_number"], slots["tax_code"]) == (
        "tax-type-invalid",
        "INV-88",
        "OUTPUT2",
    )
    said = texts(messages)
    assert said.startswith("Thanks, I've corrected that: invoice INV-88.")
    assert "Invoice INV-88 uses tax code OUTPUT2" in said


def test_a_corrected_kind_of_record_goes_to_its_pending_error_or_its_list(db_url, run):
    pending = [{"error_id": "payment-invoice-missing", "values": {"invoice_number": "INV-5"}}]
    said_payment = [{"entity": "record_type", "value": "payment", "start": 10}]
    tracker = make_tracker(
        "no, it's the payment one", "correct_value", entities=said_payment,
        slots={**EXPLAINED, "pending_errors": pending},
    )
    _messages, events = run(ActionCorrect(), tracker)
    slots = slots_set(events)
    assert (slots["sync_error"], slots["invoice_number"], slots["pending_errors"]) == (
        "payment-invoice-missing",
        "INV-5",
        None,
    )
    tracker = make_tracker("no, it's the payment one", "correct_value", entities=said_payment,
                           slots=EXPLAINED)
    messages, events = run(ActionCorrect(), tracker)
    assert slots_set(events) == {"record_type": "payment", "stage": "guided"} and messages == []


def test_the_same_failure_on_the_kind_of_record_named_is_its_twin(db_url, run):
    # "Same message though": the payment's "invoice does not exist" on a credit note.
    payment = {"sync_error": "payment-invoice-missing", "invoice_number": "INV-5120"}
    said_credit_note = [{"entity": "record_type", "value": "credit-note", "start": 15}]
    tracker = make_tracker(
        "no sorry, it's a credit note that failed, not a payment. same message though",
        "correct_value", entities=said_credit_note, slots=payment,
    )  # fmt: skip
    messages, events = run(ActionCorrect(), tracker)
    slots = slots_set(events)
    assert slots["sync_error"] == "credit-note-invoice-missing"
    assert texts(messages).startswith("Here's that one: The invoice for this credit note")

    # Only asked about ("It sounds like this one: ... Is that right?"), not yet explained.
    asked = {"error_id": "credit-note-invoice-missing", "values": {}, "how": "described"}
    said_payment = [{"entity": "record_type", "value": "payment", "start": 10}]
    tracker = make_tracker("no, it's the payment one", "correct_value", entities=said_payment,
                           slots={"candidate": asked})  # fmt: skip
    _messages, events = run(ActionCorrect(), tracker)
    slots = slots_set(events)
    assert (slots["sync_error"], slots["candidate"]) == ("payment-invoice-missing", None)
    assert slots["stage"] == "handover"  # support must act on this one


def test_nothing_to_correct_says_so(db_url, run):
    messages, events = run(ActionCorrect(), make_tracker("sorry", "correct_value", slots=EXPLAINED))
    assert slots_set(events) == {"stage": "details"}
    assert texts(messages).startswith("Sorry, I didn't catch what to change.")


def test_the_pending_error_the_customer_names_comes_next(db_url, run):
    pending = [
        {"error_id": "invoice-number-duplicate", "values": {"invoice_number": "JL1"}},
        {"error_id": "credit-note-invoice-missing", "values": {"credit_note_number": "CN-7"}},
    ]
    tracker = make_tracker(
        "ok ticked that box. what about the credit note?",
        "ask_other_error",
        entities=[{"entity": "record_type", "value": "credit-note", "start": 34}],
        slots={**EXPLAINED, "pending_errors": pending},
    )
    messages, events = run(ActionNextError(), tracker)
    slots = slots_set(events)
    assert (slots["sync_error"], slots["credit_note_number"]) == ("credit-note-invoice-missing", "CN-7")
    assert slots["pending_errors"] == pending[:1]
    assert "CN-7" in texts(messages)


def test_asking_for_another_error_when_there_is_none(db_url, run):
    tracker = make_tracker("and the other one?", "ask_other_error", slots=EXPLAINED)
    messages, events = run(ActionNextError(), tracker)
    assert slots_set(events) == {"stage": "done"}
    assert texts(messages) == "That was the only error I found in what you pasted."


def test_the_same_paste_twice_is_acknowledged_briefly(db_url, run):
    messages, events = run(ActionDiagnose(), make_tracker(TAX, "paste_error", slots=EXPLAINED))
    assert slots_set(events) == {"stage": "fix_check"}
    assert texts(messages).startswith("That's the same error as before")
