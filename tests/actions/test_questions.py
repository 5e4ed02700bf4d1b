import pytest

from actions.questions import QUESTION_INTENTS, ActionAnswerQuestion
from bot.conversation.questions import NO_ERROR_YET

from .conftest import make_tracker, texts

TAX_ERROR = {
    "sync_error": "tax-type-invalid",
    "invoice_number": "INV-0042",
    "tax_code": "OUTPUT2",
    "account_code": "200",
    "stage": "fix_check",
}


def _slot(name, value):
    return {"event": "slot", "name": name, "value": value}


@pytest.mark.parametrize(
    ("message", "intent", "expected"),
    [
        ("where do I do that in xero?", "ask_where", "- Xero › Accounting › Advanced › Tax rates"),
        ("why does this happen?", "ask_why", "Invoice INV-0042 has tax code OUTPUT2"),
        ("so is this xero's fault or yours?", "ask_whose_side", "In short:"),
        ("can you do it for me?", "ask_support_do_it", "Joblogic support can"),
        ("how long will support take?", "ask_how_long", "I can't promise a time"),
        ("what happens if I ignore it?", "ask_if_ignored", "Invoice INV-0042 stays out of Xero"),
    ],
)
def test_each_question_is_answered_for_the_current_error_and_the_stage_kept(
    db_url, run, message, intent, expected
):
    messages, events = run(ActionAnswerQuestion(), make_tracker(message, intent, slots=TAX_ERROR))
    assert len(messages) == 1
    assert expected in texts(messages)
    assert events == []  # the stage, values and error stay as they were


def test_every_question_intent_names_a_question():
    assert set(QUESTION_INTENTS) == {
        "ask_where",
        "ask_why",
        "ask_whose_side",
        "ask_support_do_it",
        "ask_how_long",
        "ask_if_ignored",
    }


def test_no_error_yet_asks_for_the_message_without_diagnosing(db_url, run):
    messages, events = run(
        ActionAnswerQuestion(), make_tracker("can you do it for me?", "ask_support_do_it")
    )
    assert texts(messages) == NO_ERROR_YET
    assert events == []


@pytest.mark.parametrize("stage", ["unsure", "confirm", "unplaced"])
def test_an_earlier_error_is_not_answered_while_a_new_one_is_being_found(db_url, run, stage):
    slots = {**TAX_ERROR, "stage": stage}
    messages, _ = run(ActionAnswerQuestion(), make_tracker("why?", "ask_why", slots=slots))
    assert texts(messages) == NO_ERROR_YET


def test_the_shell_gets_plain_contacts_and_the_web_chat_links(db_url, run):
    slots = {**TAX_ERROR, "sync_error": "object-reference", "stage": "done"}
    web, _ = run(
        ActionAnswerQuestion(), make_tracker("can support do it", "ask_support_do_it", slots=slots)
    )
    shell, _ = run(
        ActionAnswerQuestion(),
        make_tracker("can support do it", "ask_support_do_it", slots=slots, channel="cmdline"),
    )
    assert "[0800 326 5561](tel:08003265561)" in texts(web)
    assert "call 0800 326 5561 or email support@joblogic.com" in texts(shell)


def test_the_ticket_for_this_error_is_quoted(db_url, run):
    slots = {**TAX_ERROR, "sync_error": "invoice-number-duplicate", "ticket_ref": "SD-000007"}
    earlier = [_slot("sync_error", "invoice-number-duplicate"), _slot("ticket_ref", "SD-000007")]
    messages, _ = run(
        ActionAnswerQuestion(),
        make_tracker("how long?", "ask_how_long", slots=slots, events=earlier),
    )
    assert "quote your reference SD-000007" in texts(messages)


def test_a_ticket_for_an_earlier_error_is_not_quoted(db_url, run):
    slots = {**TAX_ERROR, "ticket_ref": "SD-000007"}
    earlier = [
        _slot("sync_error", "invoice-number-duplicate"),
        _slot("ticket_ref", "SD-000007"),
        _slot("sync_error", "tax-type-invalid"),
    ]
    messages, _ = run(
        ActionAnswerQuestion(),
        make_tracker("can you do it for me", "ask_support_do_it", slots=slots, events=earlier),
    )
    assert "SD-000007" not in texts(messages)


def test_the_answer_survives_a_broken_database(tmp_path, use_settings, run):
    folder = tmp_path / "not-a-db"
    (folder / "kb.db").mkdir(parents=True)
    use_settings(SYNCDESK_DB_URL=f"sqlite:///{folder / 'kb.db'}")
    messages, events = run(ActionAnswerQuestion(), make_tracker("why", "ask_why", slots=TAX_ERROR))
    assert "Invoice INV-0042 has tax code OUTPUT2" in texts(messages)
    assert events == []


def test_after_an_unknown_error_support_questions_get_the_contacts(db_url, run):
    slots = {"sync_error": None, "stage": "handover_offer"}
    tracker = make_tracker("how long will support take", "ask_how_long", slots=slots)
    messages, events = run(ActionAnswerQuestion(), tracker)
    assert "I can't promise a time" in texts(messages)
    assert events == []
