import pytest

from bot.console.live import (
    AGENT_KEY,
    RasaConversations,
    RasaUnavailable,
    conversation_view,
    joined_text,
)


def test_the_agent_reads_customer_bot_and_agent_turns_and_the_pause():
    events = [
        {"event": "user", "text": "/greet", "parse_data": {"intent": {"name": "greet"}},
         "timestamp": 1764216000.0, "metadata": {"customer": {"user_name": "Sam Patel",
                                                             "verified": True}}},
        {"event": "bot", "text": "Hi Sam", "timestamp": 1764216001.0},
        {"event": "action", "name": "action_listen"},
        {"event": "pause"},
        {"event": "bot", "text": joined_text("Alex"), "metadata": {AGENT_KEY: "Alex"}},
        {"event": "user", "text": "hello?", "timestamp": 1764216002.0},
    ]  # fmt: skip
    view = conversation_view("web-1", events)
    assert view.paused
    assert [(t["who"], t["text"]) for t in view.turns] == [
        ("customer", "[button] greet"),
        ("bot", "Hi Sam"),
        ("agent", "Alex from Joblogic support has joined the chat."),
        ("customer", "hello?"),
    ]
    assert view.turns[0]["at"] == "2025-11-27T04:00:00+00:00"
    assert view.customer == {"user_name": "Sam Patel", "verified": True}
    assert not conversation_view("web-1", [*events, {"event": "resume"}]).paused


def test_an_unverified_claim_is_shown_as_such():
    claim = {"event": "user", "text": "hi", "metadata": {"customer": {"user_name": "Eve"}}}
    assert conversation_view("web-2", [claim]).customer["verified"] is False


def test_without_a_token_or_a_server_the_api_is_unavailable():
    with pytest.raises(RasaUnavailable, match="BOT_API_TOKEN"):
        RasaConversations("http://127.0.0.1:9", None).take_over("web-1", "Sam")
    with pytest.raises(RasaUnavailable, match="did not answer"):
        RasaConversations("http://127.0.0.1:9", "token", timeout=2).conversation("web-1")
