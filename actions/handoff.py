"""Handing a conversation to a human operator and pausing the bot until it is resumed."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, ConversationPaused, EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.app_client import AppUnavailable, record_handoff
from actions.transcript import conversation_turns, handoff_question
from wire.handoff import HandoffReason, HandoffRequest

logger = logging.getLogger(__name__)

REASON_BY_INTENT: dict[str, HandoffReason] = {
    "request_human": "user_request",
    "complaint": "complaint",
    "urgent_safety": "safety",
    "feedback_unhelpful": "unhelpful",
}

DEFAULT_MESSAGES: dict[HandoffReason, str] = {
    "low_confidence": "已为您转接人工客服，工作人员会尽快回复您，请稍候。",
    "user_request": "好的，已为您转接人工客服，工作人员会尽快回复您，请稍候。",
    "complaint": "您反映的问题已记录，已为您优先转接人工客服，工作人员会尽快与您联系。",
    "unhelpful": "抱歉没能解决您的问题，已为您转接人工客服，工作人员会尽快回复您。",
    "safety": "已为您优先转接人工客服。",
}
UNAVAILABLE_MESSAGE = (
    "抱歉，人工客服暂时无法接入。请稍后再试，或拨打12345政务服务便民热线咨询。"
)


async def hand_off(
    dispatcher: CollectingDispatcher, tracker: Tracker, reason: HandoffReason
) -> list[EventType]:
    """Record the handoff with the transcript, tell the citizen what happens next, pause.

    When the handoff cannot be recorded nobody would pick the conversation up, so the bot
    stays active and points to the 12345 hotline instead.
    """
    request = HandoffRequest(
        session_id=tracker.sender_id,
        reason=reason,
        last_query=handoff_question(tracker),
        bot_context={"turns": conversation_turns(tracker)},
    )
    try:
        handoff = await record_handoff(request)
    except AppUnavailable:
        logger.error("handoff of %s (%s) could not be recorded", tracker.sender_id, reason)
        dispatcher.utter_message(text=UNAVAILABLE_MESSAGE)
        return []
    payload: dict[str, Any] = {
        "type": "handoff",
        "reason": reason,
        "handoff_id": handoff.get("handoff_id"),
        "state": handoff.get("state"),
        "department": handoff.get("department"),
    }
    text = handoff.get("message") or DEFAULT_MESSAGES[reason]
    dispatcher.utter_message(text=text, json_message=payload)
    # A paused bot predicts nothing, not even the usual action_listen; without it the
    # rules would not match the first message after the operator resumes the bot.
    return [ActionExecuted("action_listen"), ConversationPaused()]


class ActionHandoff(Action):
    """Hands off on the citizen's request, a complaint, a safety message or bad feedback."""

    def name(self) -> str:
        return "action_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        intent = (tracker.latest_message.get("intent") or {}).get("name") or ""
        return await hand_off(dispatcher, tracker, REASON_BY_INTENT.get(intent, "low_confidence"))
