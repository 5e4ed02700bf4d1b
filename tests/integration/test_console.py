"""Live takeover in a real browser: a customer on the support page, an agent in the console.

Two Chromium pages against the real servers (Rasa with its HTTP API on, the action server, the
web server with the console): the customer is handed over, the agent logs in, takes over, they
write to each other, the bot stays silent, the agent hands back and the bot answers again.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot import db
from bot.console.agents import agent_line
from bot.handover import find_ticket
from bot.settings import PROJECT_ROOT
from bot.support.notes import notes_for

from .conftest import free_port, stop, wait_for
from .test_browser import (
    BOT,
    CUSTOMER,
    PASTE,
    Visit,
    assert_fix_steps_for_the_paste,
    browser,
    greeted,
    handover_reference,
    visit,
)

pytestmark = pytest.mark.integration
__all__ = ["browser", "visit"]  # the fixtures, shared with the other browser tests

PASSWORD = "a long console password"
TO_CUSTOMER = "Hi, I'm Sam. I can see INV-0042 and the OUTPUT2 tax code; give me a moment."
TO_AGENT = "Thanks Sam, it's the invoice we raised on Tuesday."


@pytest.fixture(scope="module")
def console(running_bot, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A web server with the console, one agent (sam / Sam), calling the running bot's API."""
    folder: Path = tmp_path_factory.mktemp("console")
    agents = folder / "agents"
    agents.write_text(agent_line("sam", "Sam", PASSWORD) + "\n")
    port = free_port()
    env = dict(
        os.environ,
        SYNCDESK_DB_URL=running_bot.db_url,
        SYNCDESK_CONSOLE_USERS=str(agents),
        BOT_API_TOKEN=running_bot.token,
    )
    log = folder / "web.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "web/serve.py", "--host", "127.0.0.1", "--port", str(port),
             "--bot-url", running_bot.url],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
    wait_for(f"http://127.0.0.1:{port}/config.js", process, log, seconds=30)
    yield f"http://127.0.0.1:{port}"
    stop(process)


def bot_bubbles(visit: Visit) -> list[str]:
    return visit.page.locator(BOT).all_inner_texts()


def test_agent_takes_over_the_chat_and_hands_back(web_pages, running_bot, console, browser, visit):
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    context.set_default_timeout(20_000)
    agent = Visit(context.new_page())
    customer = visit
    # The real server refuses the console's API without a login (tests/console: every endpoint).
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{console}/console/api/queue", timeout=10)
    assert refused.value.code == 401
    try:
        page = agent.page
        page.goto(f"{console}/console")
        assert page.url.endswith("/console/login")  # no login yet: the login page
        page.fill("#login", "sam")
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.locator("#status", has_text="Agents online: Sam").wait_for()

        customer.page.goto(f"{web_pages}/")
        customer.page.click("#start-chat")
        greeted(customer, "Paste the error message", running_bot)
        customer.say(PASTE)
        assert_fix_steps_for_the_paste(customer)
        reference = handover_reference(customer)
        # An agent is at the console (and the line is open: desk.yml sets no hours).
        customer.bot_said("Someone from Joblogic support is at the support console right now")

        page.locator("#waiting li", has_text=reference).click()
        # The transcript, the values and the customer context of the handed-over conversation.
        page.locator("#transcript .customer", has_text="OUTPUT2").first.wait_for()
        page.locator("#values dd", has_text="INV-0042").wait_for()
        page.locator("#verified", has_text="not verified").wait_for()

        page.click("#take-over")
        customer.bot_said("Sam from Joblogic support has joined")
        page.locator("#live li", has_text=reference).wait_for()

        page.fill("#reply-text", TO_CUSTOMER)
        page.press("#reply-text", "Enter")
        customer.bot_said("give me a moment")

        before = len(bot_bubbles(customer))
        customer.say(TO_AGENT)
        page.locator("#transcript .customer", has_text="raised on Tuesday").wait_for()
        time.sleep(3)  # the bot, were it not paused, would have answered by now
        assert len(bot_bubbles(customer)) == before, bot_bubbles(customer)[before:]
        agent.shot("console-live-chat")
        customer.shot("console-customer-live-chat")

        page.click("#hand-back")
        customer.bot_said("Sam has left the chat")
        page.locator("#take-over").wait_for()
        contacts_before = customer.page.locator(BOT, has_text="0800 326 5561").count()
        customer.say("what's your phone number?")
        customer.page.locator(BOT, has_text="0800 326 5561").nth(contacts_before).wait_for()
    finally:
        agent.shot("console-end")
        context.close()

    # Rasa recorded the pause and the resume; the bot said nothing of its own in between.
    events = running_bot.tracker(conversation_of(reference, running_bot))["events"]
    kinds = [e["event"] for e in events]
    paused, resumed = kinds.index("pause"), kinds.index("resume")
    between = events[paused:resumed]
    assert [e["text"] for e in between if e["event"] == "user"] == [TO_AGENT]
    assert all(
        (e.get("metadata") or {}).get("syncdesk_agent") == "Sam"
        for e in between
        if e["event"] == "bot"
    )
    assert not [e for e in between if e["event"] == "action"]
    # The agent's actions are on the ticket.
    with db.session_factory(running_bot.db_url).begin() as session:
        notes = [note.text for note in notes_for(session, reference)]
    assert notes[0] == "Live chat: Sam (sam) took over."
    assert f"Live chat, Sam wrote: {TO_CUSTOMER}" in notes
    assert any(TO_AGENT in note for note in notes)
    assert notes[-1] == "Live chat: Sam (sam) handed the conversation back to the bot."
    assert customer.page.locator(CUSTOMER, has_text=TO_AGENT).count() == 1


def conversation_of(reference: str, running_bot) -> str:
    with db.session_factory(running_bot.db_url).begin() as session:
        ticket = find_ticket(session, reference)
    assert ticket is not None
    return ticket.conversation_id
