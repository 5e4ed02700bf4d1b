import pytest

from actions.diagnosis import ActionDiagnose, ActionNextError

from .conftest import make_tracker, slots_set, texts

TAX = (
    "Invoice: INV-0042 - The TaxType code OUTPUT2 does not exist or cannot be used for this type "
    "of transaction. The TaxType code OUTPUT2 cannot be used with account code 200."
)
DUPLICATE = "Invoice: JL10234 - Invoice # must be unique"


def test_pasted_error_is_explained_with_the_customers_values(db_url, run):
    messages, events = run(ActionDiagnose(), make_tracker(TAX, "paste_error"))
    slots = slots_set(events)
    assert slots["sync_error"] == "tax-type-invalid"
    assert (slots["invoice_number"], slots["tax_code"], slots["account_code"]) == (
        "INV-0042",
        "OUTPUT2",
        "200",
    )
    assert slots["stage"] == "fix_check"
    assert slots["credit_note_number"] is None and slots["pending_errors"] is None
    said = texts(messages)
    assert "Invoice INV-0042 uses tax code OUTPUT2" in said
    assert "- You, in Xero (Xero › Accounting › Advanced › Tax rates)" in said
    assert all(m.get("response") is None for m in messages)


def test_several_errors_in_one_paste_are_planned_and_kept(db_url, run):
    messages, events = run(ActionDiagnose(), make_tracker(f"{TAX}\n{DUPLICATE}", "paste_error"))
    assert texts(messages).startswith("I found 2 errors in what you pasted:")
    slots = slots_set(events)
    assert slots["sync_error"] == "tax-type-invalid"
    assert slots["pending_errors"] == [
        {"error_id": "invoice-number-duplicate", "values": {"invoice_number": "JL10234"}}
    ]


def test_the_next_pending_error_is_explained(db_url, run):
    pending = [
        {"error_id": "invoice-number-duplicate", "values": {"invoice_number": "JL10234"}},
        {"error_id": "tax-rate-inactive", "values": {}},
    ]
    tracker = make_tracker("yes", "affirm", slots={"pending_errors": pending, "sync_error": "x"})
    messages, events = run(ActionNextError(), tracker)
    slots = slots_set(events)
    assert slots["sync_error"] == "invoice-number-duplicate"
    assert slots["invoice_number"] == "JL10234"
    assert slots["pending_errors"] == pending[1:]
    assert slots["stage"] == "handover"
    assert "Xero already has an invoice numbered JL10234" in texts(messages)


def test_a_description_picks_the_pending_error_it_describes(db_url, run):
    pending = [
        {"error_id": "tax-rate-inactive", "values": {"invoice_number": "INV-3003"}},
        {"error_id": "invoice-number-duplicate", "values": {"invoice_number": "INV-3001"}},
    ]
    tracker = make_tracker(
        "what about the duplicate invoice number one?",
        "invoice-number-duplicate",
        0.56,  # as DIET read it: too unsure to ask about this error out of the blue
        ranking=[
            {"name": "invoice-number-duplicate", "confidence": 0.56},
            {"name": "ask_other_error", "confidence": 0.22},
        ],
        entities=[{"entity": "record_type", "value": "invoice", "start": 32, "end": 39}],
        slots={"pending_errors": pending, "sync_error": "line-account-code-missing"},
    )
    messages, events = run(ActionDiagnose(), tracker)
    slots = slots_set(events)
    assert (slots["sync_error"], slots["invoice_number"]) == ("invoice-number-duplicate", "INV-3001")
    assert slots["pending_errors"] == pending[:1]
    assert "INV-3001" in texts(messages)


def test_an_unknown_pasted_error_is_not_guessed(db_url, run):
    tracker = make_tracker(
        "Account code '400' has been archived, or has been deleted.", "paste_error"
    )
    messages, events = run(ActionDiagnose(), tracker)
    assert slots_set(events) == {"sync_error": None, "stage": "handover_offer"}
    # Honest, and the contacts at once: many customers leave at this point.
    (message,) = messages
    assert message["text"].startswith("That isn't one of the Xero sync errors I know")
    assert "0800 326 5561" in message["text"] and "support@joblogic.com" in message["text"]
    assert [b["payload"] for b in message["buttons"]] == ["/affirm", "/deny"]


def test_a_probable_error_is_confirmed_in_one_question(db_url, run):
    text = "Invoice: INV-88 - Invoice # must be uniqe"
    tracker = make_tracker(text, "paste_error")
    # What the NLU component passes on: an approximate match it is not sure of.
    tracker.latest_message["diagnosis"] = {
        "complete": True,
        "matches": [
            {
                "error_id": "invoice-number-duplicate",
                "confidence": 0.7,
                "how": "approximate",
                "values": {"invoice_number": "INV-88"},
            }
        ],
    }
    messages, events = run(ActionDiagnose(), tracker)
    slots = slots_set(events)
    assert slots["stage"] == "confirm"
    assert slots["candidate"] == {
        "error_id": "invoice-number-duplicate",
        "values": {"invoice_number": "INV-88"},
        "how": "approximate",
    }
    (message,) = messages
    assert message["text"] == (
        "I think I know this one. Does your message say \u201cInvoice # must be unique\u201d?"
    )
    assert [b["payload"] for b in message["buttons"]] == ["/affirm", "/deny"]


def test_a_confirmed_candidate_is_explained_with_its_values(db_url, run):
    from actions.diagnosis import ActionConfirmedError

    candidate = {"error_id": "invoice-number-duplicate", "values": {"invoice_number": "INV-88"}}
    tracker = make_tracker("yes", "affirm", slots={"candidate": candidate, "stage": "confirm"})
    messages, events = run(ActionConfirmedError(), tracker)
    slots = slots_set(events)
    assert (slots["sync_error"], slots["invoice_number"], slots["candidate"]) == (
        "invoice-number-duplicate",
        "INV-88",
        None,
    )
    assert "INV-88" in texts(messages)


def test_a_named_kind_of_record_without_a_clear_error_goes_to_its_list(db_url, run):
    tracker = make_tracker(
        "my credit notes aren't going across",
        "credit-note-invoice-missing",
        0.45,
        ranking=[
            {"name": "credit-note-invoice-missing", "confidence": 0.45},
            {"name": "credit-note-exceeds-outstanding", "confidence": 0.4},
        ],
        entities=[{"entity": "record_type", "value": "credit-note"}],
    )
    messages, events = run(ActionDiagnose(), tracker)
    assert slots_set(events) == {"record_type": "credit-note", "stage": "guided"}
    assert messages == []


def test_own_words_with_a_confident_intent_and_entities(db_url, run):
    tracker = make_tracker(
        "xero keeps rejecting the VAT code OUTPUT2 on inv 10234",
        "tax-type-invalid",
        0.97,
        ranking=[
            {"name": "tax-type-invalid", "confidence": 0.97},
            {"name": "tax-rate-inactive", "confidence": 0.04},
        ],
        entities=[
            {"entity": "tax_code", "value": "OUTPUT2"},
            {"entity": "invoice_number", "value": "10234"},
            {"entity": "record_type", "value": "invoice"},
        ],
    )
    messages, events = run(ActionDiagnose(), tracker)
    # A description is asked about, with the customer's values kept for the explanation.
    slots = slots_set(events)
    assert slots == {
        "candidate": {
            "error_id": "tax-type-invalid",
            "values": {"tax_code": "OUTPUT2", "invoice_number": "10234"},
            "how": "described",
        },
        "stage": "confirm",
    }
    assert texts(messages) == (
        "It sounds like this one: Xero won't accept the tax code on an invoice. Is that right?"
    )
    from actions.diagnosis import ActionConfirmedError

    confirmed = make_tracker("yes", "affirm", slots=slots)
    messages, events = run(ActionConfirmedError(), confirmed)
    slots = slots_set(events)
    assert (slots["sync_error"], slots["tax_code"], slots["invoice_number"]) == (
        "tax-type-invalid",
        "OUTPUT2",
        "10234",
    )
    assert "Invoice 10234 uses tax code OUTPUT2" in texts(messages)


def test_not_the_described_error_offers_that_kind_of_records_errors(db_url, run):
    from actions.diagnosis import ActionUnknownError

    candidate = {"error_id": "credit-note-invoice-missing", "values": {}, "how": "described"}
    tracker = make_tracker("no", "deny", slots={"candidate": candidate, "stage": "confirm"})
    messages, events = run(ActionUnknownError(), tracker)
    assert slots_set(events) == {
        "candidate": None,
        "record_type": "credit-note",
        "stage": "guided",
    }
    assert [b["payload"] for b in messages[0]["buttons"]] == [
        "/credit-note-invoice-missing",
        "/credit-note-exceeds-outstanding",
        "/none_of_these",
    ]


def test_unsure_offers_the_best_guesses_as_buttons(db_url, run):
    tracker = make_tracker(
        "the credit won't go over",
        "nlu_fallback",
        0.4,
        ranking=[
            {"name": "nlu_fallback", "confidence": 0.4},
            {"name": "credit-note-exceeds-outstanding", "confidence": 0.38},
            {"name": "credit-note-invoice-missing", "confidence": 0.33},
            {"name": "greet", "confidence": 0.2},
        ],
    )
    messages, events = run(ActionDiagnose(), tracker)
    assert slots_set(events) == {"stage": "unsure"}
    (message,) = messages
    assert message["text"] == "I'm not sure which error this is. Is it one of these?"
    assert [b["payload"] for b in message["buttons"]] == [
        "/credit-note-exceeds-outstanding",
        "/credit-note-invoice-missing",
        "/none_of_these",
    ]
    assert message["buttons"][0]["title"] == "Credit note more than amount due"


def test_unplaced_twice_in_a_row_brings_in_a_person(db_url, run):
    ranking = [{"name": "nlu_fallback", "confidence": 0.4}, {"name": "greet", "confidence": 0.3}]
    first = make_tracker("blah blah", "nlu_fallback", 0.4, ranking=ranking)
    messages, events = run(ActionDiagnose(), first)
    assert messages == []
    assert slots_set(events) == {"unplaced_count": 1, "stage": "unplaced"}
    second = make_tracker(
        "wibble", "nlu_fallback", 0.4, ranking=ranking, slots={"unplaced_count": 1}
    )
    messages, events = run(ActionDiagnose(), second)
    assert slots_set(events) == {"unplaced_count": 0, "stage": "unplaced_again"}


@pytest.mark.parametrize("text", ["", "   \n\t "])
def test_empty_message(db_url, run, text):
    messages, events = run(ActionDiagnose(), make_tracker(text, "nlu_fallback", 0.0))
    assert messages == [] and slots_set(events) == {"stage": "empty"}


def test_error_support_must_act_on_goes_to_handover(db_url, run):
    text = "Payment: Invoice INV-7, Amount: £ 50.00, Account Code: 090 - The invoice of payment does not exist in XERO"
    messages, events = run(ActionDiagnose(), make_tracker(text, "paste_error"))
    assert slots_set(events)["stage"] == "handover"
    assert (
        "Xero can't find invoice INV-7, so it has nothing to attach the £50.00 payment to"
        in texts(messages)
    )


def test_xero_down_points_to_the_status_page_without_a_check(db_url, run):
    text = "Service Unavailable - Fail to connect - The server is temporarily unable to service your request. Please try again later."
    messages, events = run(ActionDiagnose(), make_tracker(text, "paste_error"))
    assert slots_set(events)["stage"] == "done"
    assert "[Xero status page](https://status.xero.com)" in texts(messages)
    shell_messages, _ = run(ActionDiagnose(), make_tracker(text, "paste_error", channel="cmdline"))
    assert "Xero status page: https://status.xero.com" in texts(shell_messages)


def test_a_long_log_with_the_error_inside(db_url, run):
    log = "\n".join(f"2026-11-25 10:{i % 60:02d}:00 INFO synced job {i}" for i in range(500))
    log = log + "\n" + DUPLICATE + "\n" + log
    _messages, events = run(ActionDiagnose(), make_tracker(log, "paste_error"))
    assert slots_set(events)["sync_error"] == "invoice-number-duplicate"


def test_diagnoses_and_unknown_errors_are_recorded_for_the_report(db_url, run):
    from sqlalchemy import select

    from bot import db
    from bot.records import DiagnosisRow

    run(ActionDiagnose(), make_tracker(f"{TAX}\n{DUPLICATE}", "paste_error", sender_id="c-1"))
    unknown = "Contact name must be unique."
    run(ActionDiagnose(), make_tracker(unknown, "paste_error", sender_id="c-2"))
    run(ActionDiagnose(), make_tracker("/tax-rate-inactive", "tax-rate-inactive", sender_id="c-3"))
    with db.session_factory(db_url).begin() as session:
        rows = [(r.conversation_id, r.error_id, r.how, r.excerpt) for r in session.scalars(select(DiagnosisRow).order_by(DiagnosisRow.id))]
    assert rows == [
        ("c-1", "tax-type-invalid", "pasted", None),
        ("c-1", "invoice-number-duplicate", "pasted", None),
        ("c-2", None, "unknown", unknown),
        ("c-3", "tax-rate-inactive", "picked", None),
    ]
