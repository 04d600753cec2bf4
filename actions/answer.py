"""Answering a question (or a clarify choice) from the knowledge base, with citations."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.app_client import AppUnavailable, ask_answer_engine
from actions.handoff import hand_off
from actions.transcript import asked_questions, history_before
from wire.answer import AnswerRequest, AnswerResponse, Pick

logger = logging.getLogger(__name__)

HUMAN_BUTTON = {"title": "转人工", "payload": "/request_human"}
FEEDBACK_PROMPT = "这个回答有帮助吗？"
FEEDBACK_BUTTONS = [
    {"title": "有帮助", "payload": "/feedback_helpful"},
    {"title": "没帮助", "payload": "/feedback_unhelpful"},
]
CLARIFY_PROMPT = "您想咨询的是下面哪一项？请点击选择："
LOW_CONFIDENCE_APOLOGY = "抱歉，这个问题我在已发布的政策文件中没有找到有把握的答案，为避免误导您，我为您转接人工客服。"
ENGINE_DOWN_APOLOGY = "抱歉，系统暂时无法回答您的问题，请稍后再试。您也可以点击“转人工”，由工作人员为您解答。"
REJECTED_QUERY_MESSAGE = "抱歉，这个问题我没能处理，请换个说法、精简一下再问（500字以内）。"
EMPTY_QUERY_MESSAGE = "请输入您想咨询的问题，例如：公积金租房提取怎么办理？"


def _chosen_candidate(tracker: Tracker) -> Pick | None:
    if (tracker.latest_message.get("intent") or {}).get("name") != "choose_candidate":
        return None
    source_id = next(tracker.get_latest_entity_values("source_id"), None)
    locator = next(tracker.get_latest_entity_values("locator"), None)
    if not source_id:
        return None
    return Pick(source_id=str(source_id), locator=str(locator or ""))


def _answer_request(tracker: Tracker, pick: Pick | None) -> AnswerRequest:
    """The latest question with its context; a clarify choice re-asks the question it clarifies."""
    questions = asked_questions(tracker)
    request = AnswerRequest(
        query=questions[-1] if questions else "",
        history=history_before(questions),
        session_id=tracker.sender_id,
    )
    if pick is not None:
        request["pick"] = pick
        request["query"] = request["query"] or pick["locator"]
    return request


def _structured(response: AnswerResponse) -> dict[str, Any]:
    """The custom payload channels render citations and candidates from."""
    return {
        "type": "answer",
        "decision": response.get("decision"),
        "confidence": response.get("confidence"),
        "citations": response.get("citations") or [],
        "candidates": response.get("candidates") or [],
        # The question as the engine understood it: the context of later follow-ups.
        "query": response.get("query"),
        # Grounded generation (when enabled): the extractive quote and the audit record.
        **{key: response[key] for key in ("generated", "extractive", "generation") if key in response},
    }


def _candidate_button(candidate: Mapping[str, Any]) -> dict[str, str]:
    entities = {"source_id": candidate["source_id"], "locator": candidate.get("locator", "")}
    return {
        "title": candidate.get("label") or candidate.get("title") or candidate["source_id"],
        "payload": "/choose_candidate" + json.dumps(entities, ensure_ascii=False),
    }


class ActionAnswer(Action):
    """Asks the answer engine and relays its decision: answer, clarify or handoff."""

    def name(self) -> str:
        return "action_answer"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        request = _answer_request(tracker, _chosen_candidate(tracker))
        if not request["query"].strip():
            dispatcher.utter_message(text=EMPTY_QUERY_MESSAGE)
            return []
        try:
            response = await ask_answer_engine(request)
        except AppUnavailable as exc:
            if exc.status is not None and 400 <= exc.status < 500:
                dispatcher.utter_message(text=REJECTED_QUERY_MESSAGE)
            else:
                logger.error("answer engine unavailable for %s: %s", tracker.sender_id, exc)
                dispatcher.utter_message(text=ENGINE_DOWN_APOLOGY, buttons=[HUMAN_BUTTON])
            return []

        decision = response.get("decision")
        if decision == "answer":
            # The REST channel splits a text on blank lines; one answer stays one message.
            text = "\n".join(line for line in response.get("answer", "").splitlines() if line.strip())
            dispatcher.utter_message(text=text, json_message=_structured(response))
            dispatcher.utter_message(text=FEEDBACK_PROMPT, buttons=FEEDBACK_BUTTONS)
            return []
        if decision == "clarify" and response.get("candidates"):
            buttons = [_candidate_button(c) for c in response["candidates"]]
            dispatcher.utter_message(
                text=CLARIFY_PROMPT, buttons=buttons, json_message=_structured(response)
            )
            return []
        # The engine says the knowledge base has no answer and whom else to ask (the
        # office of the service asked about, or the 12345 hotline).
        apology = response.get("answer") or LOW_CONFIDENCE_APOLOGY
        dispatcher.utter_message(text=apology, json_message=_structured(response))
        return await hand_off(dispatcher, tracker, "low_confidence")
