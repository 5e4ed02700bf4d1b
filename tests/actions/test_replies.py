"""Fixed replies live in the domain: the actions name a response, Rasa fills in the wording."""

import asyncio
import shutil
import sys
from pathlib import Path
from typing import Any

from rasa.shared.core.domain import Domain
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.diagnosis import ActionNextError
from bot.settings import PROJECT_ROOT

from .conftest import make_tracker, project_domain, render

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "integration"))
from services import responses_sent_by_actions  # noqa: E402

ONLY_ERROR = "That was the only error I found in what you pasted."


def _only_error() -> tuple[list[dict[str, Any]], Tracker]:
    """Run an action that sends one fixed reply; return what it sent, unrendered."""
    tracker = make_tracker("next one", "affirm", slots={"sync_error": "tax-type-invalid"})
    dispatcher = CollectingDispatcher()
    asyncio.run(ActionNextError().run(dispatcher, tracker, {}))
    return dispatcher.messages, tracker


def test_every_response_an_action_sends_is_in_the_domain():
    sent = responses_sent_by_actions()
    assert len(sent) >= 10  # the scan reads the actions (a broken pattern would find none)
    assert sent <= set(project_domain().responses)


def test_an_action_names_the_response_and_sends_no_wording_of_its_own():
    messages, _ = _only_error()
    assert messages == [
        {
            "text": None,
            "buttons": [],
            "elements": [],
            "custom": {},
            "template": "utter_only_error",
            "response": "utter_only_error",
            "image": None,
            "attachment": None,
        }
    ]


def test_a_new_wording_of_a_fixed_reply_is_one_edit_of_the_domain(tmp_path):
    messages, tracker = _only_error()
    assert [m["text"] for m in render(messages, tracker)] == [ONLY_ERROR]

    # The same action's message, with the wording changed in domain/replies.yml alone.
    domain = tmp_path / "domain"
    shutil.copytree(PROJECT_ROOT / "domain", domain)
    replies = domain / "replies.yml"
    assert replies.read_text().count(ONLY_ERROR) == 1
    replies.write_text(replies.read_text().replace(ONLY_ERROR, "Nothing else in that paste."))
    reworded = render(messages, tracker, Domain.load(domain))
    assert [m["text"] for m in reworded] == ["Nothing else in that paste."]
