"""有帮助 / 没帮助: recorded for the knowledge-base staff; two 没帮助 in a row hand off."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.answer import HUMAN_BUTTON
from actions.app_client import AppUnavailable, record_feedback
from actions.handoff import hand_off

logger = logging.getLogger(__name__)

STREAK_SLOT = "unhelpful_streak"
HANDOFF_AFTER_UNHELPFUL = 2
SORRY_MESSAGE = "抱歉没能帮到您。您可以换个说法再问一次，或者点击“转人工”由工作人员为您解答。"


class ActionFeedback(Action):
    def name(self) -> str:
        return "action_feedback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        helpful = (tracker.latest_message.get("intent") or {}).get("name") == "feedback_helpful"
        try:
            await record_feedback(tracker.sender_id, helpful)
        except AppUnavailable as exc:  # the citizen's turn goes on; the log keeps the miss
            logger.error("feedback of %s could not be recorded: %s", tracker.sender_id, exc)

        if helpful:
            dispatcher.utter_message(response="utter_feedback_thanks")
            return [SlotSet(STREAK_SLOT, 0.0)]
        streak = int(tracker.get_slot(STREAK_SLOT) or 0) + 1
        if streak >= HANDOFF_AFTER_UNHELPFUL:
            return [SlotSet(STREAK_SLOT, 0.0), *await hand_off(dispatcher, tracker, "unhelpful")]
        dispatcher.utter_message(text=SORRY_MESSAGE, buttons=[HUMAN_BUTTON])
        return [SlotSet(STREAK_SLOT, float(streak))]
