"""Traditional → simplified Chinese before tokenizing, in training and at prediction.

Citizens from Hong Kong, Macao and Taiwan, and phones set to traditional input, write
醫保 for 医保: one character set means one set of jieba words and character n-grams.
"""

from __future__ import annotations

from typing import Any

import opencc
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=False
)
class TraditionalToSimplified(GraphComponent):
    """Rewrites the message text in simplified characters (first in the pipeline)."""

    def __init__(self) -> None:
        self.converter = opencc.OpenCC("t2s")

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> TraditionalToSimplified:
        return cls()

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self.process(training_data.training_examples)
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT)
            if text and not text.startswith("/"):
                message.set(TEXT, self.converter.convert(text))
        return messages
