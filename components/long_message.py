"""Keep very long messages (a pasted sync log of hundreds of lines) from swamping the NLU.

DIET and the featurizers only need the start of a message to tell what kind of message it is,
and a megabyte of text makes them slow or fails them outright. This component, first in the
pipeline, shortens what they see; the whole text stays on the message as ``full_text`` for the
pasted-error recogniser, and the conversation keeps the customer's original message.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

FULL_TEXT = "full_text"


class TextLimitedComponent(GraphComponent):
    """A component configured with how much of a message it handles (``max_chars``)."""

    DEFAULT_MAX_CHARS: ClassVar[int]

    @classmethod
    def get_default_config(cls) -> dict[str, Any]:
        """Return the default configuration (``max_chars``)."""
        return {"max_chars": cls.DEFAULT_MAX_CHARS}

    def __init__(self, config: dict[str, Any]) -> None:
        """Remember how much text the component handles."""
        self.max_chars = int(config["max_chars"])

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> TextLimitedComponent:
        """Create the component."""
        return cls(config)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Leave training data alone: its examples are short, and the models learn from all."""
        return training_data


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class LongMessageGuard(TextLimitedComponent):
    """Show the NLU models at most ``max_chars`` of a message: its start and its end."""

    DEFAULT_MAX_CHARS = 2000

    def process(self, messages: list[Message]) -> list[Message]:
        """Shorten long messages for the models; keep the whole text as ``full_text``."""
        for message in messages:
            text = message.get(TEXT)
            if isinstance(text, str) and len(text) > self.max_chars:
                half = self.max_chars // 2
                message.set(FULL_TEXT, text)
                message.set(TEXT, f"{text[:half]}\n{text[-half:]}")
        return messages
