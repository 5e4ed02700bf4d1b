"""Screenshots in the web chat, in a real browser: attach on the support page, paste in the app.

The screenshot is rendered by the test itself (tests/screenshots/scenes.py: Joblogic's sync
log), uploaded through the chat's own control to web/serve.py, read, and its text sent into the
conversation through rasa-webchat's socket; the bot answers with the fix for that invoice.
"""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request

import pytest

from harness.scenes import Shot, page_html

from .test_browser import (
    ARTIFACTS,
    BOT,
    CUSTOMER,
    assert_fix_steps_for_the_paste,
    browser,
    greeted,
    visit,
)

pytestmark = pytest.mark.integration
__all__ = ["browser", "visit"]  # the fixtures, shared with the other browser tests

PASTE = ("Invoice: INV-0042 - The TaxType code OUTPUT2 does not exist or cannot be used for this "
         "type of transaction. The TaxType code OUTPUT2 cannot be used with account code 200.")
VALUES = {"invoice_number": "INV-0042", "tax_code": "OUTPUT2", "account_code": "200"}


@pytest.fixture(scope="module")
def sync_log_png(browser) -> bytes:
    """A screenshot of Joblogic's sync log with the failed invoice, rendered here."""
    shot = Shot("tax-type-invalid", PASTE, VALUES, "sync-log", 1024, 1.0, "DejaVu Sans", "light")
    page = browser.new_page(viewport={"width": shot.width, "height": 600})
    page.set_content(page_html(shot))
    png = page.screenshot(full_page=True)
    page.close()
    return png


def answer_questions(visit) -> None:
    """Pick the true value if the chat asks about one ("Is the invoice number … or …?")."""
    choices = visit.page.locator(".syncdesk-screenshot-choice")
    truths = set(VALUES.values())
    for _ in range(3):
        if not choices.count():
            return
        choices.filter(has_text=next(t for t in choices.all_inner_texts() if t in truths)).first.click()


def test_attach_a_screenshot_on_the_support_page_gives_the_personal_fix(
    web_pages, running_bot, visit, sync_log_png
):
    page = visit.page
    page.goto(f"{web_pages}/")
    page.click("#start-chat")
    greeted(visit, "Paste the error message", running_bot)
    attach = page.locator("#syncdesk-chat .rw-sender .syncdesk-attach")
    assert attach.get_attribute("aria-label") == "Send a screenshot of the error"
    # What the customer sees while it reads, then the text read, as their own message.
    page.evaluate("""() => { window.statusSeen = [];
      new MutationObserver(() => document.querySelectorAll('.syncdesk-screenshot-status')
        .forEach(s => window.statusSeen.push(s.textContent))).observe(document.body,
        {childList: true, subtree: true, characterData: true}); }""")
    with page.expect_file_chooser() as chooser:
        attach.click()
    chooser.value.set_files([{"name": "sync-log.png", "mimeType": "image/png", "buffer": sync_log_png}])
    page.locator(CUSTOMER, has_text="INV-0042").last.wait_for()
    answer_questions(visit)
    assert "Reading your screenshot…" in page.evaluate("window.statusSeen")
    assert_fix_steps_for_the_paste(visit)
    visit.shot("support-screenshot-fix")
    # The explanation is for this invoice and tax code, as for the pasted text.
    assert page.locator(BOT, has_text="OUTPUT2").count() >= 1


def test_paste_a_screenshot_in_the_in_app_widget_on_a_phone(web_pages, running_bot, browser, sync_log_png):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    context.set_default_timeout(20_000)
    page = context.new_page()
    try:
        page.goto(f"{web_pages}/in-app.html")
        # Nothing wider than the phone; the help button on screen.
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        launcher = page.locator(".rw-launcher").bounding_box()
        assert launcher and launcher["x"] >= 0 and launcher["x"] + launcher["width"] <= 390
        page.click(".rw-launcher")
        page.locator(BOT, has_text="Hi Sam,").last.wait_for()
        # The open chat leaves room above it: the failed sync's message (what it asks to copy)
        # scrolls into view there, whole.
        page.evaluate("""() => { const box = document.querySelector('.sync-log .message')
            .getBoundingClientRect(); window.scrollBy(0, box.top - 8); }""")
        message = page.locator(".sync-log .message").bounding_box()
        chat = page.locator("#syncdesk-chat .rw-conversation-container").bounding_box()
        assert message and chat, (message, chat)
        assert 0 <= message["y"] <= 20 and message["y"] + message["height"] <= chat["y"], (message, chat)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "in-app-390px-open.png"))
        # Paste from the clipboard into the chat's text box.
        page.evaluate(
            """(b64) => {
              const bytes = Uint8Array.from(atob(b64), c => c.charCodeAt(0));
              const data = new DataTransfer();
              data.items.add(new File([bytes], 'clip.png', {type: 'image/png'}));
              document.querySelector('.rw-new-message').dispatchEvent(
                new ClipboardEvent('paste', {clipboardData: data, bubbles: true, cancelable: true}));
            }""",
            base64.b64encode(sync_log_png).decode(),
        )
        page.locator(CUSTOMER, has_text="INV-0042").last.wait_for()
        page.locator(BOT, has_text="Did that fix it?").last.wait_for()
        assert page.locator(BOT, has_text="OUTPUT2").count() >= 1
    finally:
        context.close()


def post(url: str, body: bytes, content_type: str) -> tuple[int, dict]:
    request = urllib.request.Request(url, data=body, headers={"Content-Type": content_type})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as refused:
        return refused.code, json.loads(refused.read())


def test_the_upload_takes_pictures_only_of_a_few_megabytes(web_pages, sync_log_png, tmp_path_factory):
    status, answer = post(f"{web_pages}/screenshots", sync_log_png, "image/png")
    assert status == 200
    assert [m["error_id"] for m in answer["matches"]] == ["tax-type-invalid"]
    assert answer["matches"][0]["values"] == VALUES
    assert PASTE in " ".join(answer["text"].split())
    # Nothing of it in the page server's log (web_pages writes it under the session's tmp).
    for log in tmp_path_factory.getbasetemp().glob("web*/web.log"):
        assert "INV-0042" not in log.read_text(errors="replace")

    assert post(f"{web_pages}/screenshots", b"Invoice: INV-1", "text/plain")[0] == 415
    assert post(f"{web_pages}/screenshots", b"GIF89a not really", "image/gif")[0] == 415
    status, answer = post(f"{web_pages}/screenshots", b"\0" * (6 * 1024 * 1024), "image/png")
    assert status == 413 and "over 5 MB" in answer["error"]


def test_uploads_are_limited_per_address(web_pages):
    # Pictures that don't decode still cost a read: after 10 in a minute, the address waits.
    statuses = [post(f"{web_pages}/screenshots", b"GIF89a junk", "image/gif") for _ in range(11)]
    assert statuses[-1][0] == 429
    assert "wait a moment" in statuses[-1][1]["error"]
