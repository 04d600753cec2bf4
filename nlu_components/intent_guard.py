"""Last word on the intent, for the two mistakes that cost the most.

1. A message about danger to life must never reach the answer engine: danger cues
   force ``urgent_safety`` whatever the classifier thought. The other way round, a false
   alarm frightens the citizen and burns the operators' most urgent lane, so without a
   cue the classifier's ``urgent_safety`` counts only at ``safety_floor`` or above and
   when the message does not ask about a rule or benefit (otherwise it goes to the answer
   engine, which hands off when it has nothing).
   Cues and floor are measured in docs/safety.md.
2. A policy question taken for small talk leaves the citizen without an answer, while
   asking the answer engine costs little (it hands off when it has nothing). So a
   harmless top intent gives way to ``ask_policy`` when the classifier still gave
   ``ask_policy`` some weight or the text names a policy term of the jieba dictionary.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from nlu_components.safety import asks_about_policy, is_safety_message

SAFETY_INTENT = "urgent_safety"
POLICY_INTENT = "ask_policy"
# Intents whose wrong guess is cheap to correct by asking the answer engine instead.
YIELDING_INTENTS = frozenset({"chitchat", "out_of_scope", "greet", "nlu_fallback"})


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False
)
class IntentGuard(GraphComponent):
    """Overrides the classified intent for safety words and probable policy questions."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            # Folder of jieba user dictionaries ("word [freq] [tag]" per line).
            "dictionary_path": "data/jieba",
            # ask_policy wins over a yielding intent once it has this much confidence.
            "policy_floor": 0.2,
            # urgent_safety without a danger cue needs this much confidence (docs/safety.md).
            "safety_floor": 0.9,
            "min_term_chars": 2,
        }

    def __init__(self, config: dict[str, Any], policy_terms: frozenset[str]) -> None:
        self.policy_floor = float(config["policy_floor"])
        self.safety_floor = float(config["safety_floor"])
        self.policy_terms = policy_terms

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> IntentGuard:
        terms = _read_terms(Path(config["dictionary_path"]), int(config["min_term_chars"]))
        return cls(config, terms)

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            if text.startswith("/"):  # a button payload names its intent itself
                continue
            intent = message.get(INTENT) or {}
            if is_safety_message(text):
                self._set_intent(message, SAFETY_INTENT, 1.0)
            elif intent.get(INTENT_NAME_KEY) == SAFETY_INTENT and (
                float(intent.get("confidence") or 0.0) < self.safety_floor
                or asks_about_policy(text)
            ):
                self._set_intent(message, POLICY_INTENT, _confidence_of(message, POLICY_INTENT))
            elif intent.get(INTENT_NAME_KEY) in YIELDING_INTENTS:
                policy_confidence = _confidence_of(message, POLICY_INTENT)
                if policy_confidence >= self.policy_floor or self._names_policy_term(text):
                    self._set_intent(message, POLICY_INTENT, policy_confidence)
        return messages

    def _names_policy_term(self, text: str) -> bool:
        return any(term in text for term in self.policy_terms)

    @staticmethod
    def _set_intent(message: Message, name: str, confidence: float) -> None:
        message.set(INTENT, {INTENT_NAME_KEY: name, "confidence": confidence}, add_to_output=True)


def _confidence_of(message: Message, intent_name: str) -> float:
    for entry in message.get(INTENT_RANKING_KEY) or []:
        if entry.get(INTENT_NAME_KEY) == intent_name:
            return float(entry.get("confidence") or 0.0)
    return 0.0


def _read_terms(folder: Path, min_chars: int) -> frozenset[str]:
    """Words of every jieba dictionary in ``folder``; none when it does not exist yet."""
    terms: set[str] = set()
    for path in sorted(folder.glob("*.txt")) if folder.is_dir() else []:
        for line in path.read_text(encoding="utf-8").splitlines():
            word = line.split(" ", 1)[0].strip()
            if len(word) >= min_chars:
                terms.add(word)
    return frozenset(terms)
