"""Recognise pasted Xero sync error messages, after DIET has had its say.

DIET learns how customers *describe* errors; a pasted message is better recognised by the
diagnosis engine in :mod:`bot`, which knows each error's wording. When the engine finds a
known error, this component sets the intent to ``paste_error`` with full confidence, and
passes its matches on in the parse data (``diagnosis``) so the action does not diagnose the
message a second time.

Rasa runs NLU components inside its event loop, so a long paste here would stall every
conversation on the server. The component therefore diagnoses at most ``max_chars`` of a
message; for a longer one it says its diagnosis is not ``complete`` and the action diagnoses
the whole text in a worker thread of the action server.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

import bot
from bot.kb import KnowledgeBaseUnavailable
from bot.understanding import DIAGNOSIS
from components.long_message import FULL_TEXT

log = logging.getLogger(__name__)

PASTE_INTENT = "paste_error"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class PastedErrorClassifier(GraphComponent, IntentClassifier):
    """Set ``paste_error`` when the message holds a known sync error's wording."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """Return the default configuration (``max_chars`` diagnosed in the event loop)."""
        return {"max_chars": 20_000}

    def __init__(self, config: dict[str, Any]) -> None:
        """Remember how much text may be diagnosed inside Rasa's event loop."""
        self.max_chars = int(config["max_chars"])

    @classmethod
    def required_components(cls) -> list[type]:
        """Run after the trained intent classifiers, so this decision is the last word."""
        return [IntentClassifier]

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> PastedErrorClassifier:
        """Create the component; the diagnosis engine is built on first use."""
        return cls(config)

    def process(self, messages: list[Message]) -> list[Message]:
        """Mark messages holding a known error message as ``paste_error``."""
        for message in messages:
            text = message.get(FULL_TEXT) or message.get(TEXT)
            if not isinstance(text, str) or not text.strip() or text.startswith("/"):
                continue
            complete = len(text) <= self.max_chars
            try:
                matches = bot.diagnose(text if complete else text[: self.max_chars])
            except KnowledgeBaseUnavailable as problem:
                # Without the KB the models still classify the message; the actions then give
                # the customer the contacts. The log names the fix.
                log.error("Pasted errors cannot be recognised: %s", problem)
                continue
            message.set(
                DIAGNOSIS,
                {"complete": complete, "matches": [m.to_json() for m in matches]},
                add_to_output=True,
            )
            if not matches:
                continue
            intent = {"name": PASTE_INTENT, "confidence": 1.0}
            ranking = [
                item
                for item in message.get(INTENT_RANKING_KEY) or []
                if item.get("name") != PASTE_INTENT
            ]
            message.set(INTENT, intent, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [intent, *ranking], add_to_output=True)
        return messages
