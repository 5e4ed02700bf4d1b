"""Who is talking, to which conversation, and how much: the checks the channels and actions make.

Rasa-free: identity tokens (:mod:`.identity`), conversation tokens (:mod:`.sessions`), the
shape of message metadata (:mod:`.metadata`), limits (:mod:`.limits`), failures without
personal data (:mod:`.logs`), and their settings (:mod:`.config`).
"""

from bot.security.config import InsecureKey, SecuritySettings
from bot.security.identity import mint_identity_token, verify_identity_token
from bot.security.limits import (
    MessageGate,
    Refusal,
    SlidingWindow,
    TicketAllowance,
)
from bot.security.logs import failure_body, failure_summary
from bot.security.metadata import (
    client_key,
    client_of_events,
    customer_from_events,
    customer_from_metadata,
    message_metadata,
)
from bot.security.sessions import (
    client_address,
    conversation_of,
    is_channel_conversation,
    issue_session,
    origin_allowed,
)

__all__ = [
    "InsecureKey",
    "MessageGate",
    "Refusal",
    "SecuritySettings",
    "SlidingWindow",
    "TicketAllowance",
    "client_address",
    "client_key",
    "client_of_events",
    "conversation_of",
    "customer_from_events",
    "customer_from_metadata",
    "failure_body",
    "failure_summary",
    "is_channel_conversation",
    "issue_session",
    "message_metadata",
    "mint_identity_token",
    "origin_allowed",
    "verify_identity_token",
]
