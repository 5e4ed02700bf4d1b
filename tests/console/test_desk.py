from datetime import datetime, timedelta, timezone

import pytest

from bot import db
from bot.console.agents import Agent
from bot.console.desk import Busy, ConsoleDesk, NotWaiting, someone_can_join
from bot.handover import HandoverRequest, hand_over
from bot.hours import parse_hours
from bot.support.notes import notes_for

SAM, ALEX = Agent("sam", "Sam"), Agent("alex", "Alex")


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(timezone.utc)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def desk(db_url, clock):
    titles = {"tax-type-invalid": "Xero won't accept the tax code on an invoice"}
    return ConsoleDesk(db.session_factory(db_url), titles=titles, clock=clock)


def handed_over(db_url, conversation, channel="socketio", error_id="tax-type-invalid"):
    request = HandoverRequest(
        conversation_id=conversation,
        channel=channel,
        reason="fix_did_not_work",
        error_id=error_id,
        values={"invoice_number": "INV-0042"},
        transcript=[{"who": "customer", "text": "INV-0042 failed"}],
        customer={"user_name": "Sam Jones"},
    )
    ticket = hand_over(db.session_factory(db_url), request)
    assert ticket is not None
    return ticket.reference


def references(items):
    return [item["reference"] for item in items]


def test_the_queue_lists_web_chats_waiting_and_open_tickets_newest_first(db_url, desk):
    first = handed_over(db_url, "web-1")
    rest = handed_over(db_url, "rest-1", channel="rest")
    second = handed_over(db_url, "web-2")
    again = handed_over(db_url, "web-2", error_id=None)  # the same conversation's second ticket
    queue = desk.queue()
    # One line per conversation (its newest ticket); REST conversations cannot be joined.
    assert references(queue["waiting"]) == [again, first]
    assert references(queue["open"]) == [again, second, rest, first]
    item = queue["open"][1]
    assert item["title"] == "Xero won't accept the tax code on an invoice"
    assert item["values"] == {"invoice_number": "INV-0042"}
    assert item["transcript"] == [{"who": "customer", "text": "INV-0042 failed"}]
    assert item["customer"]["user_name"] == "Sam Jones"
    assert queue["live"] == []


def test_a_conversation_stops_waiting_after_the_window_but_its_ticket_stays_open(
    db_url, desk, clock
):
    reference = handed_over(db_url, "web-1")
    clock.now += timedelta(minutes=31)
    queue = desk.queue()
    assert queue["waiting"] == [] and references(queue["open"]) == [reference]


def test_taking_over_is_one_agent_at_a_time_and_recorded_on_the_ticket(db_url, desk):
    reference = handed_over(db_url, "web-1")
    chat = desk.take_over("web-1", SAM)
    assert (chat.ticket_reference, chat.agent_name) == (reference, "Sam")
    assert desk.take_over("web-1", SAM) == chat  # again: the same live chat
    with pytest.raises(Busy, match="Sam is already"):
        desk.take_over("web-1", ALEX)
    with pytest.raises(NotWaiting):
        desk.record_message("web-1", ALEX, "I'll take it from here")
    queue = desk.queue()
    assert queue["waiting"] == []
    assert references(queue["live"]) == [reference] and queue["live"][0]["live"]["agent"] == "sam"

    desk.record_message("web-1", SAM, "Looking at INV-0042 now")
    desk.hand_back("web-1", SAM, ["Thanks", "  it was   Tuesday "])
    assert desk.live_chat("web-1") is None
    with db.session_factory(db_url).begin() as session:
        notes = [note.text for note in notes_for(session, reference)]
    assert notes == [
        "Live chat: Sam (sam) took over.",
        "Live chat, Sam wrote: Looking at INV-0042 now",
        "Live chat, the customer wrote:\n- Thanks\n- it was Tuesday",
        "Live chat: Sam (sam) handed the conversation back to the bot.",
    ]
    # Handed back, it can be taken over again, by anyone.
    assert desk.take_over("web-1", ALEX).agent == "alex"


def test_only_a_conversation_with_an_open_ticket_can_be_taken_over(desk):
    with pytest.raises(NotWaiting):
        desk.take_over("web-unknown", SAM)
    with pytest.raises(NotWaiting):
        desk.hand_back("web-unknown", SAM)


def test_agents_are_online_while_their_console_polls(desk, clock):
    assert desk.agents_online() == []
    desk.seen(SAM)
    desk.seen(ALEX)
    assert desk.agents_online() == ["Alex", "Sam"]
    clock.now += timedelta(seconds=61)
    desk.seen(ALEX)
    assert desk.agents_online() == ["Alex"]


def test_a_web_chat_customer_is_told_someone_can_join_only_when_it_is_true(db_url, desk, clock):
    sessions = db.session_factory(db_url)
    weekdays = parse_hours({"weekly": {"mon": "09:00-17:00"}, "bank_holidays": "england"})
    monday_10 = datetime(2026, 11, 30, 10, 0, tzinfo=timezone.utc)  # 10:00 in London (GMT)
    clock.now = monday_10
    assert not someone_can_join(sessions, "socketio", hours=weekdays, now=monday_10)  # nobody
    desk.seen(SAM)
    assert someone_can_join(sessions, "socketio", hours=weekdays, now=monday_10)
    assert not someone_can_join(sessions, "rest", hours=weekdays, now=monday_10)
    evening = monday_10 + timedelta(hours=8)
    clock.now = evening
    desk.seen(SAM)
    assert not someone_can_join(sessions, "socketio", hours=weekdays, now=evening)  # closed
    christmas = datetime(2026, 12, 25, 10, 0, tzinfo=timezone.utc)
    clock.now = christmas
    desk.seen(SAM)
    assert not someone_can_join(sessions, "socketio", hours=parse_hours(
        {"weekly": {"fri": "09:00-17:00"}, "bank_holidays": "england"}), now=christmas)  # fmt: skip


def test_a_database_that_cannot_say_means_the_ticket_path(tmp_path):
    missing_tables = db.session_factory(f"sqlite:///{tmp_path / 'empty.db'}")
    assert not someone_can_join(missing_tables, "socketio")
