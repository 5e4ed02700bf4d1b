"""Recognise pasted Xero sync error messages with syncdesk's engine, once, before DIET.

DIET learns how customers *describe* errors; a pasted message is better recognised by the
diagnosis engine in :mod:`bot`, which knows each error's wording. ``PasteReader``, early in
the pipeline, diagnoses the message and passes the engine's matches on in the parse data
(``diagnosis``), so the action does not diagnose it a second time.
``DescriptionDIETClassifier`` leaves recognised pastes alone (its reading of them is never
used), and ``PastedErrorClassifier``, last, sets their intent to ``paste_error`` with full
confidence, whatever the fallback made of them.

Rasa runs NLU components inside its event loop, so a long paste here would stall every
conversation on the server. The engine therefore reads at most ``max_chars`` of a message;
for a longer one the diagnosis is not ``complete`` and the action diagnoses the whole text in
a worker thread of the action server.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.nlu.classifiers.diet_classifier import DIETClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

import bot
from bot.kb import KnowledgeBaseUnavailable
from bot.understanding import DIAGNOSIS
from components.long_message import FULL_TEXT, TextLimitedComponent

log = logging.getLogger(__name__)

PASTE_INTENT = "paste_error"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class PastedErrorClassifier(GraphComponent, IntentClassifier):
    """Set ``paste_error`` when PasteReader found a known sync error's wording in the message."""

    @classmethod
    def required_components(cls) -> list[type]:
        """Run after PasteReader and the trained intent classifiers: this is the last word."""
        return [PasteReader, IntentClassifier]

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> PastedErrorClassifier:
        """Create the component."""
        return cls()

    def process(self, messages: list[Message]) -> list[Message]:
        """Mark messages holding a known error message as ``paste_error``."""
        for message in messages:
            if is_pasted(message):
                mark_pasted(message)
        return messages


def read_paste(message: Message, max_chars: int) -> None:
    """Diagnose the message (its first ``max_chars``) and pass the engine's reading on."""
    text = message.get(FULL_TEXT) or message.get(TEXT)
    if not isinstance(text, str) or not text.strip() or text.startswith("/"):
        return
    complete = len(text) <= max_chars
    try:
        matches = bot.diagnose(text if complete else text[:max_chars])
    except KnowledgeBaseUnavailable as problem:
        # Without the KB the models still classify the message; the actions then give
        # the customer the contacts. The log names the fix.
        log.error("Pasted errors cannot be recognised: %s", problem)
        return
    # Passed on in the parse data, which stays in the tracker: only a complete reading is of
    # use to the action (a longer paste is diagnosed again there, in full).
    diagnosis = {
        "complete": complete,
        "found": bool(matches),
        "matches": [m.to_json() for m in matches] if complete else [],
    }
    message.set(DIAGNOSIS, diagnosis, add_to_output=True)


def is_pasted(message: Message) -> bool:
    """Whether a PasteReader found a known error message in ``message``."""
    diagnosis = message.get(DIAGNOSIS)
    return isinstance(diagnosis, dict) and bool(diagnosis.get("found"))


def mark_pasted(message: Message) -> None:
    """Set the intent to ``paste_error``, with full confidence, at the head of the ranking."""
    intent = {"name": PASTE_INTENT, "confidence": 1.0}
    ranking = [
        item for item in message.get(INTENT_RANKING_KEY) or [] if item.get("name") != PASTE_INTENT
    ]
    message.set(INTENT, intent, add_to_output=True)
    message.set(INTENT_RANKING_KEY, [intent, *ranking], add_to_output=True)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class PasteReader(TextLimitedComponent):
    """Diagnose each message with syncdesk's engine before the models, and pass the reading on.

    First in the pipeline (after LongMessageGuard), so that DIET can leave recognised pastes
    alone (:class:`DescriptionDIETClassifier`) and the paste is diagnosed once. ``max_chars`` is
    how much text may be diagnosed inside Rasa's event loop.
    """

    DEFAULT_MAX_CHARS = 20_000

    def process(self, messages: list[Message]) -> list[Message]:
        """Diagnose each message and keep the engine's reading on it."""
        for message in messages:
            read_paste(message, self.max_chars)
        return messages


@DefaultV1Recipe.register(
    [
        DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER,
        DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR,
    ],
    is_trainable=True,
)
class DescriptionDIETClassifier(DIETClassifier):
    """DIET for what customers write in their own words; a recognised paste skips it.

    On a message the engine recognised, DIET's reading is never used: the intent is
    ``paste_error`` and the understanding comes from the engine's matches (bot.understanding).
    DIET costs twice as much on a 200-character paste as on a short sentence.
    """

    def process(self, messages: list[Message]) -> list[Message]:
        """Classify the messages that are not recognised pastes; mark those as pasted."""
        described = [message for message in messages if not is_pasted(message)]
        if described:
            super().process(described)
        for message in messages:
            if is_pasted(message):
                mark_pasted(message)
        return messages
