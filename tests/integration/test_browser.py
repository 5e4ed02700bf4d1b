"""The web chat in a real browser: rasa-webchat over socket.io to the running bot.

Needs Debian's Chromium and Playwright's Python package (scripts/setup-browser) and the npm
packages (scripts/setup-web). Screenshots go to tests/artifacts/; set SYNCDESK_SCREENSHOTS=docs
to refresh the README's docs/images/support-page.png as well.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from bot import db
from bot.handover import find_ticket
from bot.settings import PROJECT_ROOT

pytestmark = pytest.mark.integration

CHROMIUM = Path("/usr/bin/chromium")
# Without the background-networking flags Chromium stalls on a closed network.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = PROJECT_ROOT / "tests" / "artifacts"
README_SCREENSHOT = PROJECT_ROOT / "docs" / "images" / "support-page.png"

PASTE = "Invoice: INV-0042 - The TaxType code OUTPUT2 does not exist or cannot be used for this type of transaction. The TaxType code OUTPUT2 cannot be used with account code 200."
SERVICE_DOWN = "Service Unavailable - Fail to connect - The server is temporarily unable to service your request. Please try again later."
QUICK_START = ["I have an error message", "I don't have the message", "Talk to a person"]
REFERENCE = re.compile(r"SD-[0-9A-Z]{4}-[0-9A-Z]{4}")

BOT = ".rw-message .rw-response"
CUSTOMER = ".rw-message .rw-client"


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    sync_api = pytest.importorskip("playwright.sync_api", reason="run scripts/setup-browser")
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/setup-browser")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class Visit:
    """One browser tab, with every URL it asked for (pages, scripts, socket.io)."""

    def __init__(self, page):
        self.page = page
        self.urls: list[str] = []
        page.on("request", lambda request: self.urls.append(request.url))
        page.on("websocket", lambda socket: self.urls.append(socket.url))

    def hosts(self) -> set[str]:
        return {urlsplit(url).netloc for url in self.urls if urlsplit(url).scheme != "data"}

    def bot_said(self, text: str) -> None:
        self.page.locator(BOT, has_text=text).last.wait_for()

    def say(self, text: str) -> None:
        box = self.page.locator(".rw-new-message")
        box.fill(text)
        box.press("Enter")
        self.page.locator(CUSTOMER).last.wait_for()

    def click_reply(self, title: str) -> None:
        self.page.locator(".rw-replies .rw-reply", has_text=title).last.click()

    def shot(self, name: str) -> None:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


@pytest.fixture
def visit(browser, request) -> Iterator[Visit]:
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    context.set_default_timeout(20_000)
    page = context.new_page()
    # Shown by pytest only when the test fails, with the tab as it was at the end.
    page.on("console", lambda message: print(f"console.{message.type}: {message.text}"))
    visit = Visit(page)
    yield visit
    visit.shot(f"{request.node.name}-end")
    context.close()


def handover_reference(visit: Visit) -> str:
    """Say the fix didn't work; return the ticket reference the bot gives."""
    visit.click_reply("No, still failing")
    visit.bot_said("0800 326 5561")
    text = visit.page.locator(BOT, has_text=REFERENCE).last.inner_text()
    match = REFERENCE.search(text)
    assert match, text
    return match.group()


def fix_steps(visit: Visit) -> list[str]:
    """Return the fix steps shown (numbered steps, or the choices of "any one of these"), one
    string each, as the customer reads them."""
    steps = visit.page.locator(f"{BOT} ol li, {BOT} ul li")
    if steps.count():
        return steps.all_inner_texts()
    # One step per line, numbered (or bulleted, for choices) by the bot, kept apart by the
    # widget's CSS (innerText honours it).
    text = visit.page.locator(BOT, has_text="how to fix it").last.inner_text()
    return [line for line in text.splitlines() if re.match(r"(?:\d+[a-z]?\.|[-•]) ", line)]


def assert_fix_steps_for_the_paste(visit: Visit) -> None:
    """The explanation and numbered steps name the customer's invoice and tax code."""
    visit.bot_said("Did that fix it?")
    steps = fix_steps(visit)
    assert len(steps) >= 2, steps
    assert any("OUTPUT2" in step for step in steps), steps
    assert visit.page.locator(BOT, has_text="INV-0042").count() >= 1


def greeted(visit: Visit, text: str, bot) -> None:
    """Wait for the greeting, the first thing the bot sends over socket.io; if it never comes,
    say what the page shows (the chat open? the "not available" notice?) and where Rasa logs."""
    from playwright.sync_api import TimeoutError as PageTimeout

    try:
        visit.bot_said(text)
    except PageTimeout:
        page = visit.page
        state = {
            "chat open": page.locator("#syncdesk-chat .rw-chat-open").count() > 0,
            "'not available' notice": page.locator("#syncdesk-offline").count() > 0,
            "bot messages": page.locator(BOT).count(),
        }
        pytest.fail(
            f"No greeting {text!r} in 20 s. The page: {state} (the browser's console is printed "
            "below). If the chat is open and the bot sent nothing: Rasa 3.6 loses socket.io "
            "replies with python-socketio >= 5.10 (RasaHQ/rasa#13027; pinned below). "
            f"Rasa's log: {bot.logs}"
        )


def test_support_page_pasted_error_to_handover(web_pages, running_bot, visit):
    page = visit.page
    page.goto(f"{web_pages}/")
    page.click("#start-chat")
    greeted(visit, "Paste the error message", running_bot)
    titles = page.locator(".rw-replies .rw-reply").all_inner_texts()
    assert [t.strip() for t in titles] == QUICK_START
    visit.shot("support-greeting")

    visit.say(PASTE)
    assert_fix_steps_for_the_paste(visit)
    visit.shot("support-fix-steps")
    if os.environ.get("SYNCDESK_SCREENSHOTS") == "docs":
        README_SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(README_SCREENSHOT))

    reference = handover_reference(visit)
    # Phone and email are links; the email carries the reference in its subject.
    phone = page.locator(f'{BOT} a[href="tel:08003265561"]').last
    mailto = page.locator(f'{BOT} a[href^="mailto:support@joblogic.com?subject="]').last
    assert reference in (mailto.get_attribute("href") or "")
    # Mail and phone links open the customer's mail or phone app, not an empty tab.
    assert phone.get_attribute("target") is None and mailto.get_attribute("target") is None
    visit.shot("support-handover")

    # rasa-webchat 1.0.1 ships socket.io-client 3 (Engine.IO 4), as python-engineio 4 speaks.
    socket_urls = [url for url in visit.urls if "/socket.io/" in url]
    assert socket_urls and all("EIO=4" in url for url in socket_urls)
    # Everything came from the page server or the bot: no CDN, no web fonts.
    assert visit.hosts() <= {urlsplit(web_pages).netloc, urlsplit(running_bot.url).netloc}


def test_a_click_while_the_page_connects_opens_the_chat_when_the_bot_answers(
    web_pages, running_bot, visit
):
    """The button pressed before the socket is up opens the chat, not the "not available" notice.

    The socket's first request is held until after the click, so the click always lands while
    the page is still connecting (as it does for a quick customer on a slow line).
    """
    page = visit.page
    held = []

    def hold_the_first(route) -> None:
        if held:
            route.continue_()
        else:
            held.append(route)

    page.route("**/socket.io/**", hold_the_first)
    page.goto(f"{web_pages}/")
    for _ in range(1500):  # 30 s
        if held:
            break
        page.wait_for_timeout(20)
    assert held, "the page never opened its socket"
    page.click("#start-chat")
    page.wait_for_timeout(300)
    assert page.locator("#syncdesk-offline").count() == 0
    held[0].continue_()
    greeted(visit, "Paste the error message", running_bot)
    assert page.locator("#syncdesk-offline").count() == 0


def test_in_app_widget_puts_the_customer_on_the_ticket(web_pages, running_bot, visit):
    page = visit.page
    page.goto(f"{web_pages}/in-app.html")
    page.click(".rw-launcher")
    greeted(visit, "Hi Sam,", running_bot)
    visit.say(PASTE)
    assert_fix_steps_for_the_paste(visit)
    reference = handover_reference(visit)
    visit.shot("in-app-handover")

    with db.session_factory(running_bot.db_url).begin() as session:
        ticket = find_ticket(session, reference)
    assert ticket is not None
    assert ticket.channel == "socketio"
    assert ticket.customer["account_id"] == "JL-1042"
    assert ticket.customer["user_name"] == "Sam Patel"
    assert ticket.customer["app_version"] == "5.12.3"
    assert ticket.customer["screen"] == "Invoices › Xero sync"
    # The page's identity token (minted by web/serve.py as the app's backend would) was verified,
    # and the conversation id came with a signed session token (rasa-webchat's session_id).
    stored = page.evaluate("JSON.stringify(Object.entries(sessionStorage))")
    assert f"{ticket.conversation_id}." in stored
    events = running_bot.tracker(ticket.conversation_id)["events"]
    customers = [(e.get("metadata") or {}).get("customer") for e in events if e["event"] == "user"]
    assert customers and all(c and c["verified"] is True for c in customers), customers
    assert customers[-1]["account_id"] == "JL-1042" and customers[-1]["user_name"] == "Sam Patel"


def test_customer_html_is_shown_as_text_and_links_render(web_pages, running_bot, visit):
    page = visit.page
    page.goto(f"{web_pages}/")
    page.click("#start-chat")
    greeted(visit, "Paste the error message", running_bot)
    attack = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">'
    visit.say(attack)
    visit.page.locator(BOT).nth(1).wait_for()  # the bot answered after it
    assert page.locator(CUSTOMER).last.inner_text().strip() == attack
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.locator("#syncdesk-chat img[src=x]").count() == 0

    visit.say(SERVICE_DOWN)
    status = page.locator(f'{BOT} a[href="https://status.xero.com"]').last
    status.wait_for()
    assert status.get_attribute("target") == "_blank"
    assert "noopener" in (status.get_attribute("rel") or "")
    visit.shot("inert-html-and-links")


def test_bot_down_shows_the_contacts_instead_of_a_spinner(web_pages_bot_down, visit):
    page = visit.page
    page.goto(f"{web_pages_bot_down}/")
    notice = page.locator("#syncdesk-offline")
    notice.wait_for(timeout=10_000)
    text = notice.inner_text()
    assert "0800 326 5561" in text and "support@joblogic.com" in text
    assert notice.locator('a[href="tel:08003265561"]').count() == 1
    assert page.locator(".rw-launcher").count() == 0 or not page.locator(".rw-launcher").is_visible()
    page.click("#start-chat")
    assert notice.is_visible()
    visit.shot("bot-down")
