"""Failures reported without personal data: where it broke, never what the customer sent.

rasa-sdk 3.6 answers a failing action with ``{"error": str(exception), "request_body":
<the whole tracker>}`` and Rasa logs that body: every paste, name and email of the conversation
would land in the server log. The action server's error path uses these instead.
"""

from __future__ import annotations

import traceback

__all__ = ["failure_body", "failure_summary"]


def failure_summary(exception: BaseException) -> str:
    """Return the exception's type and stack (files, lines, functions), without its message.

    An exception's message may quote the customer's data ("'INV-0042' is not …"); the stack
    says where it broke, which is what a developer needs.
    """
    frames = traceback.extract_tb(exception.__traceback__)
    stack = "".join(f"\n  {frame.filename}:{frame.lineno} in {frame.name}" for frame in frames)
    return f"{type(exception).__module__}.{type(exception).__qualname__}{stack}"


def failure_body(exception: BaseException, action_name: str | None = None) -> dict[str, str]:
    """Return the action server's 500 body: the kind of failure, no request, no message."""
    body = {"error": f"The action failed ({type(exception).__name__}); see the action server log."}
    if action_name:
        body["action_name"] = action_name[:100]
    return body
