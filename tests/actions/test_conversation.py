from sqlalchemy import select

from actions.feedback import ActionFixWorked, ActionRecordFeedback
from actions.greeting import ActionGreet
from actions.guided import ActionAskRecordType, ActionListErrors
from bot import db
from bot.records import FeedbackRow

from .conftest import make_tracker, slots_set


def test_fix_worked_moves_on_to_helpful(db_url, run):
    messages, events = run(
        ActionFixWorked(), make_tracker("yes", "affirm", slots={"stage": "fix_check"})
    )
    assert messages == []
    assert slots_set(events) == {"stage": "helpful"}


def test_feedback_is_stored_per_error_and_conversation(db_url, run):
    tracker = make_tracker(
        "no", "deny", slots={"stage": "helpful", "sync_error": "tax-rate-inactive"}, sender_id="c-9"
    )
    messages, events = run(ActionRecordFeedback(), tracker)
    assert messages == []
    assert slots_set(events) == {"stage": "done"}
    with db.session_factory(db_url).begin() as session:
        rows = session.scalars(select(FeedbackRow)).all()
        assert [(r.conversation_id, r.error_id, r.helpful) for r in rows] == [
            ("c-9", "tax-rate-inactive", False)
        ]


def test_feedback_leads_to_the_next_pending_error(db_url, run):
    pending = [{"error_id": "tax-rate-inactive", "values": {}}]
    tracker = make_tracker(
        "yes", "affirm", slots={"sync_error": "tax-type-invalid", "pending_errors": pending}
    )
    _messages, events = run(ActionRecordFeedback(), tracker)
    assert slots_set(events) == {"stage": "next_offer"}


def test_guided_record_types_then_errors(db_url, run):
    messages, _ = run(
        ActionAskRecordType(), make_tracker("I don't have the message", "no_error_message")
    )
    assert messages[0]["text"] == "No problem. Which kind of record didn't go across to Xero?"
    payloads = [b["payload"] for b in messages[0]["buttons"]]
    assert payloads[0] == '/choose_record_type{"record_type":"invoice"}'
    assert len(payloads) == 6
    tracker = make_tracker("a payment", "choose_record_type", slots={"record_type": "payment"})
    messages, _ = run(ActionListErrors(), tracker)
    assert (
        messages[0]["text"]
        == "These are the errors that affect a payment. Which sounds like yours?"
    )
    assert [b["payload"] for b in messages[0]["buttons"]] == [
        "/payment-account-type-invalid",
        "/payment-exceeds-outstanding",
        "/payment-invoice-missing",
        "/none_of_these",
    ]


def test_unknown_record_type_asks_again(db_url, run):
    messages, _ = run(
        ActionListErrors(),
        make_tracker("boats", "choose_record_type", slots={"record_type": "boat"}),
    )
    assert len(messages[0]["buttons"]) == 6


def test_greets_by_first_name_from_the_widget(db_url, run):
    metadata = {"customData": {"user_name": "Sam Jones", "account_id": "ACME-1"}}
    _messages, events = run(ActionGreet(), make_tracker("hi", "greet", metadata=metadata))
    assert slots_set(events) == {"customer_first_name": "Sam"}
    _messages, events = run(ActionGreet(), make_tracker("hi", "greet"))
    assert slots_set(events) == {"customer_first_name": None}


def test_fix_worked_is_recorded_as_an_outcome(db_url, run):
    from bot.records import OutcomeRow

    run(ActionFixWorked(), make_tracker("yes", "affirm", slots={"stage": "fix_check", "sync_error": "tax-rate-inactive"}, sender_id="c-5"))
    with db.session_factory(db_url).begin() as session:
        rows = session.scalars(select(OutcomeRow)).all()
        assert [(r.conversation_id, r.error_id, r.outcome) for r in rows] == [("c-5", "tax-rate-inactive", "fixed")]
