"""What the actions read from the tracker: the policy questions asked so far, the transcript."""

from __future__ import annotations

from typing import Any, TypedDict

from rasa_sdk import Tracker

# The user turns that are questions for the answer engine (the guard may turn an unsure
# message into ask_policy; a still unsure one arrives as nlu_fallback).
QUESTION_INTENTS = frozenset({"ask_policy", "nlu_fallback"})
# Messages that ask for help with an earlier question rather than ask one themselves.
HELP_INTENTS = frozenset({"request_human", "feedback_unhelpful"})
HISTORY_TURNS = 3
TRANSCRIPT_TURNS = 20


class Turn(TypedDict, total=False):
    role: str  # "user" or "bot"
    text: str
    intent: str
    decision: str
    confidence: float
    timestamp: float


def _current_session(tracker: Tracker) -> list[dict[str, Any]]:
    """Events since the last session start: an expired session's questions are no context."""
    events = tracker.events
    for index in range(len(events) - 1, -1, -1):
        if events[index].get("event") == "session_started":
            return events[index + 1 :]
    return list(events)


def _intent_of(event: dict[str, Any]) -> str | None:
    return ((event.get("parse_data") or {}).get("intent") or {}).get("name")


def asked_questions(tracker: Tracker, as_typed: bool = False) -> list[str]:
    """This session's policy questions, oldest first, the latest message included.

    An answered question counts as the engine understood it (the ``query`` of the answer
    uttered after it, e.g. "公积金租房提取怎么办理 那需要什么材料？"), so a chain of
    follow-ups keeps its topic however many turns it runs; ``as_typed`` keeps the
    citizen's own words instead.
    """
    questions: list[str] = []
    for event in _current_session(tracker):
        text = event.get("text") or ""
        if event.get("event") == "user":
            if _intent_of(event) in QUESTION_INTENTS and not text.startswith("/"):
                questions.append(text)
        elif event.get("event") == "bot" and questions and not as_typed:
            understood = ((event.get("data") or {}).get("custom") or {}).get("query")
            if understood:
                questions[-1] = understood
    return questions


def handoff_question(tracker: Tracker) -> str:
    """The citizen's words that led to a handoff, as typed, for the operator.

    The latest message itself (a danger, a complaint, an unanswerable question), unless it
    only asks for help (转人工, a 没帮助 button): then the last question asked before it.
    """
    latest = tracker.latest_message or {}
    text = latest.get("text") or ""
    intent = (latest.get("intent") or {}).get("name")
    if text and not text.startswith("/") and intent not in HELP_INTENTS:
        return text
    typed = asked_questions(tracker, as_typed=True)
    if typed:
        return typed[-1]
    return "" if text.startswith("/") else text


def history_before(questions: list[str]) -> list[str]:
    """The context for the last question: the few before it, most recent last."""
    return questions[:-1][-HISTORY_TURNS:]


def conversation_turns(tracker: Tracker) -> list[Turn]:
    """The recent transcript as the operator sees it when a handoff arrives."""
    turns: list[Turn] = []
    for event in _current_session(tracker):
        kind = event.get("event")
        if kind == "user":
            intent = (event.get("parse_data") or {}).get("intent") or {}
            turns.append(
                Turn(
                    role="user",
                    text=event.get("text") or "",
                    intent=intent.get("name") or "",
                    confidence=float(intent.get("confidence") or 0.0),
                    timestamp=float(event.get("timestamp") or 0.0),
                )
            )
        elif kind == "bot" and event.get("text"):
            turn = Turn(role="bot", text=event["text"], timestamp=float(event.get("timestamp") or 0.0))
            custom = (event.get("data") or {}).get("custom") or {}
            if custom.get("decision"):
                turn["decision"] = custom["decision"]
                turn["confidence"] = float(custom.get("confidence") or 0.0)
            turns.append(turn)
    return turns[-TRANSCRIPT_TURNS:]
