import logging

from sqlalchemy import func, select

from actions.handover import ActionAskHandoverTopic, ActionHandover, ActionShowContacts
from bot import db
from bot.handover import TicketRow

from .conftest import make_tracker, slots_set, texts

SLOTS = {
    "sync_error": "tax-type-invalid",
    "invoice_number": "INV-0042",
    "tax_code": "OUTPUT2",
    "account_code": "200",
    "stage": "fix_check",
}
EARLIER = [
    {
        "event": "user",
        "text": "Invoice: INV-0042 - The TaxType code OUTPUT2 ...",
        "parse_data": {"intent": {"name": "paste_error"}},
    },
    {
        "event": "bot",
        "text": "Once you've done that...",
        "metadata": {"utter_action": "utter_ask_if_fixed"},
    },
]


def _tickets(url):
    with db.session_factory(url).begin() as session:
        return session.scalar(select(func.count()).select_from(TicketRow))


def test_fix_did_not_work_gives_reference_contacts_and_email(db_url, run):
    metadata = {"customData": {"account_id": "ACME-1", "user_name": "Sam Jones"}}
    tracker = make_tracker("no", "deny", slots=SLOTS, events=EARLIER, metadata=metadata)
    messages, events = run(ActionHandover(), tracker)
    reference = slots_set(events)["ticket_ref"]
    assert reference.startswith("SD-")
    said = texts(messages)
    assert f"Your reference is {reference}. Quote it when you call or email" in said
    assert slots_set(events)["stage"] == "done"
    assert "Support can change the tax code on the invoice for you" in said
    assert "[0800 326 5561](tel:08003265561)" in said
    assert f"mailto:support@joblogic.com?subject={reference}%3A%20Xero%20won%27t%20accept" in said
    assert (
        "Details%3A%20invoice%20INV-0042%2C%20account%20code%20200%2C%20tax%20code%20OUTPUT2"
        in said
    )
    with db.session_factory(db_url).begin() as session:
        row = session.scalars(select(TicketRow)).one()
        assert row.reason == "fix_did_not_work"
        assert row.customer == {"account_id": "ACME-1", "user_name": "Sam Jones", "verified": "no"}
        assert row.steps["answers"] == [{"question": "if_fixed", "answer": "no"}]
        assert row.channel == "socketio"


def test_repeated_handover_reuses_the_ticket(db_url, run):
    tracker = make_tracker("no", "deny", slots=SLOTS)
    _, first = run(ActionHandover(), tracker)
    _, again = run(ActionHandover(), make_tracker("person please", "request_human", slots=SLOTS))
    assert slots_set(first)["ticket_ref"] == slots_set(again)["ticket_ref"]
    assert _tickets(db_url) == 1


def test_a_repeated_handover_is_one_short_message_with_the_same_reference(db_url, run):
    support_only = {"sync_error": "payment-invoice-missing", "invoice_number": "INV-7"}
    first_messages, first = run(ActionHandover(), make_tracker("", "paste_error", slots=support_only))
    reference = slots_set(first)["ticket_ref"]
    assert len(first_messages) == 3  # what support does, the reference, the contacts
    messages, again = run(
        ActionHandover(),
        make_tracker("can I talk to a person", "request_human", slots=support_only, channel="cmdline"),
    )
    assert len(messages) == 1
    said = texts(messages)
    assert said.startswith("I've already passed this to Joblogic support")
    assert reference in said
    assert "call 0800 326 5561 or email support@joblogic.com" in said
    assert slots_set(again) == {"ticket_ref": reference, "stage": "done"}
    assert _tickets(db_url) == 1


def test_the_handover_after_what_it_is_about_carries_the_answer(db_url, run):
    about = "none of our payments have gone across since monday"
    answered = [
        {"event": "user", "text": "/request_human", "parse_data": {"intent": {"name": "request_human"}}},
        {"event": "bot", "text": "Of course. What's it about?"},
    ]
    tracker = make_tracker(about, "report_sync_error", slots={"handover_topic": about}, events=answered)
    messages, events = run(ActionHandover(), tracker)
    reference = slots_set(events)["ticket_ref"]
    said = texts(messages)
    assert f"Your reference is {reference}" in said
    assert "Message%3A%20none%20of%20our%20payments" in said  # in the pre-filled email
    with db.session_factory(db_url).begin() as session:
        row = session.scalars(select(TicketRow)).one()
        assert (row.reason, row.error_id, row.note) == ("customer_asked", None, about)


def test_what_it_is_about_is_asked_with_the_contacts_and_a_skip(db_url, run):
    messages, events = run(ActionAskHandoverTopic(), make_tracker("/request_human", "request_human"))
    assert events == []
    [message] = messages
    assert "What's it about?" in message["text"]
    assert "[0800 326 5561](tel:08003265561)" in message["text"]
    assert "support@joblogic.com" in message["text"]
    assert message["buttons"] == [
        {"title": "Skip – just give me the contacts", "payload": "/request_human"}
    ]
    assert _tickets(db_url) == 0  # nothing told yet: no empty ticket


def test_a_button_payload_is_never_the_emails_message(db_url, run):
    clicked = [{"event": "user", "text": "/request_human", "parse_data": {"intent": {"name": "request_human"}}}]
    messages, _ = run(ActionHandover(), make_tracker("/request_human", "request_human", events=clicked))
    assert "request_human" not in texts(messages)


def test_database_down_still_gives_contacts_and_logs_no_personal_data(
    tmp_path, use_settings, run, caplog
):
    (tmp_path / "afile").write_text("a file where the database's folder should be")
    use_settings(SYNCDESK_DB_URL=f"sqlite:///{tmp_path / 'afile' / 'kb.db'}")
    caplog.set_level(logging.INFO)
    messages, events = run(ActionHandover(), make_tracker("no", "deny", slots=SLOTS))
    assert slots_set(events)["ticket_ref"] is None
    said = texts(messages)
    assert "I couldn't create a reference just now" in said
    assert "0800 326 5561" in said and "support@joblogic.com" in said
    assert "Traceback" not in said and "sqlite" not in said.lower()
    assert "Could not write the handover ticket" in caplog.text
    assert "INV-0042" not in caplog.text and "OUTPUT2" not in caplog.text


def test_shell_gets_plain_contacts(db_url, run):
    messages, _ = run(ActionShowContacts(), make_tracker("?", "out_of_scope", channel="cmdline"))
    assert "call 0800 326 5561 or email support@joblogic.com" in texts(messages)
    assert "](" not in texts(messages)


def test_button_clicks_are_readable_in_the_transcript(db_url, run):
    clicked = {"event": "user", "text": "/deny", "parse_data": {"intent": {"name": "deny"}}}
    _, events = run(ActionHandover(), make_tracker("no", "deny", slots=SLOTS, events=[*EARLIER, clicked]))
    with db.session_factory(db_url).begin() as session:
        row = session.scalars(select(TicketRow)).one()
        assert {"who": "customer", "text": "[button] deny"} in row.transcript


def test_failed_again_after_it_worked_records_both_answers(db_url, run):
    worked = [
        *EARLIER,
        {"event": "user", "text": "ticked it and it went through, thanks!",
         "parse_data": {"intent": {"name": "affirm"}}},
        {"event": "bot", "text": "Was this helpful?",
         "metadata": {"utter_action": "utter_ask_helpful"}},
    ]
    tracker = make_tracker(
        "actually no - the next sync failed again with the same error",
        "fix_failed",
        slots={**SLOTS, "stage": "helpful"},
        events=worked,
    )
    _messages, events = run(ActionHandover(), tracker)
    assert slots_set(events)["ticket_ref"].startswith("SD-")
    with db.session_factory(db_url).begin() as session:
        row = session.scalars(select(TicketRow)).one()
        assert row.reason == "fix_did_not_work"
        assert row.steps["answers"] == [
            {"question": "if_fixed", "answer": "yes"},
            {"question": "if_fixed", "answer": "no, it failed again later"},
        ]


def test_a_rewound_message_never_reaches_the_ticket(services, run):
    # Rasa rewinds a message (e.g. a form's validation rejected it): it is not part of the
    # conversation, so support must not read it on the ticket.
    rewound = [
        {"event": "action", "name": "action_listen"},
        {
            "event": "user",
            "text": "my card number is 4111 1111 1111 1111",
            "parse_data": {"intent": {"name": "fix_failed"}},
        },
        {"event": "bot", "text": "Sorry, what was that?"},
        {"event": "rewind"},
    ]
    tracker = make_tracker("no", "deny", slots=SLOTS, events=[*EARLIER, *rewound])
    _messages, events = run(ActionHandover(services), tracker)
    with services.sessions.begin() as session:
        row = session.scalars(select(TicketRow)).one()
    said = [turn["text"] for turn in row.transcript]
    assert said[0].startswith("Invoice: INV-0042")
    assert not any("4111" in text for text in said)
    assert slots_set(events)["ticket_ref"] == row.reference
    # The rewound "still failing" is no answer either: only the "no" to "did that fix it?".
    assert row.steps["answers"] == [{"question": "if_fixed", "answer": "no"}]


def test_the_action_uses_the_services_it_is_given(services, tmp_path, run, use_settings):
    # The environment points elsewhere; the action built with services writes where they say.
    use_settings(SYNCDESK_DB_URL=f"sqlite:///{tmp_path / 'elsewhere.db'}")
    tracker = make_tracker("no", "deny", slots=SLOTS, events=EARLIER)
    _messages, events = run(ActionHandover(services), tracker)
    assert slots_set(events)["ticket_ref"].startswith("SD-")
    assert _tickets(services.settings.db_url) == 1
