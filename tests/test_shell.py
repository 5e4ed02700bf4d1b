"""The terminal chat greets first (channels/shell.py), as the web chat does."""

import asyncio
import re

from bot.settings import PROJECT_ROOT
from channels.shell import GREETING, greet_first


def test_the_first_message_is_the_greeting_then_the_prompt_as_usual():
    asked = []

    async def prompt(previous_response):
        asked.append(previous_response)
        return "my sync failed"

    ask = greet_first(prompt)
    assert asyncio.run(ask(None)) == GREETING == "/greet"
    assert asked == []  # the customer wasn't prompted for the greeting
    assert asyncio.run(ask({"text": "Hi, I'm syncdesk"})) == "my sync failed"
    assert asyncio.run(ask(None)) == "my sync failed"  # e.g. "Type out your own message..."
    assert asked == [{"text": "Hi, I'm syncdesk"}, None]


def test_the_greeting_is_the_web_chats():
    widget = (PROJECT_ROOT / "web" / "public" / "syncdesk-widget.js").read_text()
    assert re.search(rf'initPayload: "{GREETING}"', widget)


def test_make_shell_runs_the_greeting_shell():
    run_server = (PROJECT_ROOT / "scripts" / "run-server").read_text()
    assert 'exec .venv/bin/python -m channels.shell --endpoints "$ENDPOINTS"' in run_server
