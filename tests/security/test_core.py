"""bot.security's pure parts: identity and session tokens, metadata shapes, limits, failures."""

from __future__ import annotations

import jwt
import pytest

from bot.security import (
    MessageGate,
    SecuritySettings,
    SlidingWindow,
    TicketAllowance,
    client_address,
    conversation_of,
    customer_from_events,
    customer_from_metadata,
    failure_body,
    failure_summary,
    issue_session,
    message_metadata,
    mint_identity_token,
    origin_allowed,
    verify_identity_token,
)
from bot.security.config import InsecureKey, read_key
from bot.settings import Settings

KEY = b"k" * 40
NOW = 1_800_000_000


def settings(**changes: object) -> SecuritySettings:
    return SecuritySettings(identity_key=KEY, session_key=b"s" * 40, **changes)  # type: ignore[arg-type]


def test_a_genuine_identity_token_gives_its_claims():
    token = mint_identity_token(KEY, account_id="JL-1042", user_name="Sam Patel",
                                email="sam@example.com", now=NOW)
    assert verify_identity_token(token, KEY, now=NOW + 60) == {
        "account_id": "JL-1042", "user_name": "Sam Patel", "email": "sam@example.com"}


@pytest.mark.parametrize(
    "token",
    [
        mint_identity_token(b"another key entirely, 40 bytes long....", account_id="A",
                            user_name="B", now=NOW),  # wrong key
        mint_identity_token(KEY, account_id="A", user_name="B", now=NOW - 7200),  # expired
        mint_identity_token(KEY, account_id="A", user_name="B", ttl=86400, now=NOW),  # too long
        jwt.encode({"account_id": "A", "user_name": "B", "aud": "syncdesk", "iat": NOW,
                    "exp": NOW + 60}, None, algorithm="none"),  # unsigned
        jwt.encode({"account_id": "A", "user_name": "B", "aud": "other", "iat": NOW,
                    "exp": NOW + 60}, KEY, algorithm="HS256"),  # another audience
        jwt.encode({"user_name": "B", "aud": "syncdesk", "iat": NOW, "exp": NOW + 60}, KEY,
                   algorithm="HS256"),  # no account
        "not a token",
        ["a list"],
        None,
    ],
)
def test_anything_else_verifies_nothing(token):
    assert verify_identity_token(token, KEY, now=NOW + 1) is None


def test_no_key_verifies_nothing():
    token = mint_identity_token(KEY, account_id="A", user_name="B", now=NOW)
    assert verify_identity_token(token, None, now=NOW) is None


def test_session_tokens_open_only_their_own_conversation():
    conversation, token = issue_session(b"s" * 40)
    assert conversation_of(token, b"s" * 40) == conversation
    assert conversation_of(conversation, b"s" * 40) is None  # the bare id opens nothing
    assert conversation_of(token, b"t" * 40) is None  # another server's key
    other, _ = issue_session(b"s" * 40)
    forged = f"{other}.{token.split('.')[1]}"
    assert conversation_of(forged, b"s" * 40) is None


def test_metadata_keeps_claims_unverified_and_identity_verified():
    claim = {"account_id": "JL-1042", "user_name": "Sam", "screen": "Invoices", "x": "dropped"}
    assert message_metadata(claim, None, "c1") == {
        "customer": {"account_id": "JL-1042", "user_name": "Sam", "screen": "Invoices",
                     "verified": False},
        "client": "c1",
    }
    verified = message_metadata(claim, {"account_id": "JL-7", "user_name": "Real"}, None)
    assert verified == {"customer": {"screen": "Invoices", "account_id": "JL-7",
                                     "user_name": "Real", "verified": True}}


@pytest.mark.parametrize("metadata", [["x"], "x", 3, None, {"customer": ["x"]},
                                      {"customer": {"verified": True}}])
def test_malformed_metadata_reads_as_no_customer(metadata):
    assert customer_from_metadata(metadata) == {}


def test_the_latest_verified_identity_wins_over_later_claims():
    events = [
        {"event": "user", "metadata": {"customer": {"account_id": "JL-7", "verified": True}}},
        {"event": "user", "metadata": {"customer": {"account_id": "EVIL", "verified": False}}},
        {"event": "user", "metadata": ["x"]},
        "not an event",
    ]
    assert customer_from_events(events) == {"account_id": "JL-7", "verified": True}
    assert customer_from_events("nonsense") == {}
    legacy = [{"event": "user", "metadata": {"customData": {"user_name": "Sam"}}}]
    assert customer_from_events(legacy) == {"user_name": "Sam", "verified": False}


def test_origins_and_addresses():
    assert origin_allowed("http://localhost:8000", ["http://localhost:8000"])
    assert not origin_allowed("https://evil.example", ["http://localhost:8000"])
    assert origin_allowed("https://evil.example", ["*"])
    trusted = settings(trusted_proxies=("10.0.0.0/8",)).is_trusted_proxy
    assert client_address("10.0.0.2", "198.51.100.7, 10.0.0.3", trusted) == "198.51.100.7"
    assert client_address("203.0.113.9", "198.51.100.7", trusted) == "203.0.113.9"


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_message_gate_size_values_and_rates():
    clock = Clock()
    gate = MessageGate(settings(max_message_chars=100, max_value_chars=10,
                                messages_per_minute_client=4,
                                messages_per_minute_conversation=2,
                                unlimited_clients=()), clock=clock)
    assert gate.check("x" * 101, "c", "a").status == 413
    assert gate.check('/tax-type-invalid{"tax_code": "' + "X" * 11 + '"}', "c", "a").status == 413
    assert gate.check('/tax-type-invalid{"tax_code": "OUTPUT2"}', "c1", "a") is None
    assert gate.check("hi", "c1", "a") is None
    assert gate.check("hi", "c1", "a").status == 429  # the conversation's third this minute
    assert gate.check("hi", "c2", "a") is None
    assert gate.check("hi", "c3", "a").status == 429  # the client's fifth (refused ones count too)
    clock.now = 61
    assert gate.check("hi", "c1", "a") is None


def test_sliding_window_forgets_idle_keys():
    window = SlidingWindow(1, 60, keys=2)
    assert window.allow("a") and window.allow("b") and window.allow("c")
    assert window.allow("a")  # "a" was forgotten when "c" came


def test_ticket_allowance_per_conversation_and_client():
    clock = Clock()
    allowance = TicketAllowance(settings(tickets_per_conversation=2, tickets_per_client_hour=3),
                                clock=clock)
    for conversation in ("c1", "c1", "c2"):
        assert allowance.refusal(conversation, "client") is None
        allowance.opened(conversation, "client")
    assert "this conversation" in allowance.refusal("c1", "other").reply
    assert "this address" in allowance.refusal("c3", "client").reply
    assert allowance.refusal("c3", None) is None
    clock.now = 3601
    assert allowance.refusal("c3", "client") is None


def test_failures_say_where_not_what():
    try:
        {"email": "sam@example.com"}["missing " + "sam@example.com"]
    except KeyError as problem:
        summary, body = failure_summary(problem), failure_body(problem, "action_handover")
    assert "sam@example.com" not in summary and "KeyError" in summary and "test_core" in summary
    assert "sam@example.com" not in str(body) and body["action_name"] == "action_handover"


def test_production_refuses_placeholder_keys():
    production = {"SYNCDESK_ENV": "production"}
    with pytest.raises(InsecureKey):
        read_key("identity", {**production, "SYNCDESK_IDENTITY_KEY": "change-me-identity"},
                 required=False)
    with pytest.raises(InsecureKey):
        Settings.from_env({**production, "SYNCDESK_SESSION_KEY": "short"})
    assert read_key("identity", production, required=False) is None  # no default: nothing verifies
