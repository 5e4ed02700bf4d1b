"""Recognise pasted Xero sync error messages exactly, after DIET has had its say.

DIET learns how customers *describe* errors; a pasted message is better recognised by the
diagnosis engine in :mod:`bot`, which knows each error's exact wording. When the engine finds a
known error, this component sets the intent to ``paste_error`` with full confidence.
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
from components.long_message import FULL_TEXT

log = logging.getLogger(__name__)

PASTE_INTENT = "paste_error"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class PastedErrorClassifier(GraphComponent, IntentClassifier):
    """Set ``paste_error`` when the message holds a known sync error's wording."""

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
        return cls()

    def process(self, messages: list[Message]) -> list[Message]:
        """Mark messages holding a known error message as ``paste_error``."""
        for message in messages:
            text = message.get(FULL_TEXT) or message.get(TEXT)
            if not isinstance(text, str) or not text.strip() or text.startswith("/"):
                continue
            try:
                matches = bot.diagnose(text)
            except KnowledgeBaseUnavailable as problem:
                # Without the KB the models still classify the message; the actions then give
                # the customer the contacts. The log names the fix.
                log.error("Pasted errors cannot be recognised: %s", problem)
                continue
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
