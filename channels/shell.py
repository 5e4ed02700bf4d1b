"""``rasa shell`` that greets first, as the web chat does (its widget sends "/greet" on opening).

Rasa 3.6's terminal chat sends nothing until the customer types, so the shell showed no
greeting and no quick-start buttons. ``python -m channels.shell [rasa shell options]`` runs the
same command with "/greet" sent as the first message; everything after it is ``rasa shell``'s
own. (`rasa shell` has no option for this: its console reads each message from the prompt.)
"""

from __future__ import annotations

import sys
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels import console

__all__ = ["GREETING", "greet_first", "main"]

#: The first message, as the web chat's ``initPayload`` (web/public/syncdesk-widget.js).
GREETING = "/greet"

AskUser = Callable[[Any], Awaitable[str | None]]


def greet_first(ask: AskUser) -> AskUser:
    """Return ``ask`` (the console's prompt) answering :data:`GREETING` the first time."""
    greeted = False

    async def ask_after_greeting(previous_response: Any) -> str | None:
        nonlocal greeted
        if not greeted:
            greeted = True
            return GREETING
        return await ask(previous_response)

    return ask_after_greeting


def main(argv: list[str] | None = None) -> None:
    """Run ``rasa shell`` with ``argv`` (default: this command's own), greeting first."""
    # Rasa's console loop looks the prompt up in its module on every turn.
    console._get_user_input = greet_first(console._get_user_input)
    from rasa.__main__ import main as rasa_main

    sys.argv = ["rasa", "shell", *(sys.argv[1:] if argv is None else argv)]
    rasa_main()


if __name__ == "__main__":
    main()
