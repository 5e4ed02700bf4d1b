"""The tracker store keeps what every turn carries small, and the conversation's state whole."""

from __future__ import annotations

import asyncio

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, ActiveLoop, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.settings import PROJECT_ROOT
from components.tracker_store import BoundedInMemoryTrackerStore, shorten


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(PROJECT_ROOT / "domain"))


def started(domain: Domain, sender: str = "c1") -> DialogueStateTracker:
    tracker = DialogueStateTracker(sender, domain.slots)
    tracker.update_with_events(
        [ActionExecuted("action_session_start"), ActionExecuted("action_listen")], domain
    )
    return tracker


def turn(tracker: DialogueStateTracker, domain: Domain, text: str, number: int) -> None:
    tracker.update_with_events(
        [
            UserUttered(
                text, {"name": "paste_error", "confidence": 1.0}, parse_data={"text": text}
            ),
            ActionExecuted("action_diagnose"),
            BotUttered(f"reply {number}"),
            SlotSet("sync_error", f"error-{number}"),
            SlotSet("unplaced_count", float(number)),
            ActionExecuted("action_listen"),
        ],
        domain,
    )


def saved(
    store: BoundedInMemoryTrackerStore, tracker: DialogueStateTracker
) -> DialogueStateTracker:
    asyncio.run(store.save(tracker))
    retrieved = asyncio.run(store.retrieve(tracker.sender_id))
    assert retrieved is not None
    return retrieved


def test_shorten_keeps_start_and_end_and_says_how_much_is_left_out() -> None:
    text = "a" * 3000 + "b" * 3000
    short = shorten(text, 4000)
    assert short.startswith("a" * 2000) and short.endswith("b" * 2000)
    assert "2,000 characters left out" in short
    assert shorten("short", 4000) == "short"


def test_a_huge_message_is_saved_shortened_and_the_turn_had_it_whole(domain: Domain) -> None:
    store = BoundedInMemoryTrackerStore(domain)
    tracker = started(domain)
    paste = "Invoice: INV-1 - Invoice # must be unique.\n" * 25_000  # about 1 MB
    turn(tracker, domain, paste, 1)
    tracker.latest_message.parse_data["diagnosis"] = {"complete": True, "matches": [{"x": 1}]}
    retrieved = saved(store, tracker)
    assert tracker.latest_message.text == paste  # the turn itself is untouched
    user = [e for e in retrieved.events if isinstance(e, UserUttered)][-1]
    assert len(user.text) < 4100 and user.text.startswith("Invoice: INV-1")
    assert user.parse_data["diagnosis"] == {"complete": False, "matches": []}
    assert len(store.store[tracker.sender_id]) < 20_000
    assert retrieved.get_slot("sync_error") == "error-1"


def test_a_long_session_starts_again_with_every_slot_and_the_recent_turns(domain: Domain) -> None:
    store = BoundedInMemoryTrackerStore(domain, max_events=40, slack=20)
    tracker = started(domain)
    tracker.update(SlotSet("customer_first_name", "Sam"), domain)
    for number in range(1, 61):
        turn(tracker, domain, f"message {number}", number)
        tracker = saved(store, tracker)
        assert len(tracker.events) <= 40 + 20 + 10
    assert tracker.get_slot("customer_first_name") == "Sam"  # set once, 60 turns ago
    assert tracker.get_slot("sync_error") == "error-60"
    assert tracker.get_slot("unplaced_count") == 60.0
    texts = [e.text for e in tracker.applied_events() if isinstance(e, UserUttered)]
    assert texts[-1] == "message 60" and len(texts) >= 40 // 6
    assert texts == [f"message {n}" for n in range(61 - len(texts), 61)]  # recent turns, in order
    first = tracker.events[0]
    assert isinstance(first, ActionExecuted) and first.action_name == "action_session_start"


def test_a_session_is_never_cut_through_an_active_form(domain: Domain) -> None:
    store = BoundedInMemoryTrackerStore(domain, max_events=10, slack=5)
    tracker = started(domain)
    tracker.update(ActiveLoop("handover_topic_form"), domain)
    for number in range(1, 8):
        turn(tracker, domain, f"message {number}", number)
    retrieved = saved(store, tracker)
    assert len(retrieved.events) == len(tracker.events)
    assert retrieved.active_loop_name == "handover_topic_form"


def test_only_the_current_session_is_kept(domain: Domain) -> None:
    store = BoundedInMemoryTrackerStore(domain)
    tracker = started(domain)
    turn(tracker, domain, "an hour ago", 1)
    tracker.update_with_events(
        [ActionExecuted("action_session_start"), ActionExecuted("action_listen")], domain
    )
    turn(tracker, domain, "now", 2)
    retrieved = saved(store, tracker)
    texts = [e.text for e in retrieved.events if isinstance(e, UserUttered)]
    assert texts == ["now"]
    assert asyncio.run(store.retrieve_full_tracker("c1")).events == retrieved.events
