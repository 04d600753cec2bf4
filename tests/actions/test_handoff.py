"""action_handoff and action_feedback against the real internal API of a running web app."""

from __future__ import annotations

import pytest
from rasa_sdk import Tracker

from actions.answer import ActionAnswer
from actions.feedback import SORRY_MESSAGE, ActionFeedback
from actions.handoff import UNAVAILABLE_MESSAGE, ActionHandoff
from actions.transcript import handoff_question
from tests.actions.support import bot_event, custom_of, run_action, tracker_of, user_event
from tests.fixtures.stack import stored_feedback

PAUSE = {"event": "pause", "timestamp": None}


@pytest.mark.parametrize(
    ("text", "intent", "reason"),
    [
        ("转人工", "request_human", "user_request"),
        ("我要投诉窗口工作人员", "complaint", "complaint"),
        ("我不想活了", "urgent_safety", "safety"),
    ],
)
def test_a_handoff_is_recorded_with_its_reason_and_pauses_the_bot(app_url, text, intent, reason):
    tracker = tracker_of([user_event(text, intent)])

    messages, events = run_action(ActionHandoff(), tracker)

    handoff = custom_of(messages)
    assert handoff["type"] == "handoff" and handoff["reason"] == reason
    assert isinstance(handoff["handoff_id"], int)
    assert messages[0]["text"].strip()  # what happens next, from the app or our default
    assert PAUSE in events


def test_asking_twice_keeps_one_open_handoff(app_url):
    tracker = tracker_of([user_event("转人工", "request_human")])

    first, _ = run_action(ActionHandoff(), tracker)
    second, _ = run_action(ActionHandoff(), tracker)

    assert custom_of(first)["handoff_id"] == custom_of(second)["handoff_id"]


def test_without_the_app_the_citizen_is_pointed_to_the_hotline_and_the_bot_stays(monkeypatch):
    monkeypatch.setenv("WENZHENG_APP_URL", "http://127.0.0.1:9")  # discard port: refused
    messages, events = run_action(ActionHandoff(), tracker_of([user_event("转人工", "request_human")]))

    assert messages[0]["text"] == UNAVAILABLE_MESSAGE
    assert "12345" in UNAVAILABLE_MESSAGE
    assert events == []


QUESTION = "公积金租房提取怎么办理"


def _after_an_answer(feedback_intent: str, slots: dict | None = None) -> Tracker:
    """A conversation whose question the real answer engine answered, then the feedback."""
    asked = user_event(QUESTION, "ask_policy")
    answer_tracker = tracker_of([asked])
    messages, _ = run_action(ActionAnswer(), answer_tracker)
    answer = custom_of(messages)
    assert answer["decision"] == "answer"
    events = [asked, bot_event(messages[0]["text"], answer), user_event(f"/{feedback_intent}", feedback_intent)]
    return tracker_of(events, slots, sender=answer_tracker.sender_id)


def test_helpful_feedback_is_stored_thanks_and_resets_the_streak(app_url, live_app):
    tracker = _after_an_answer("feedback_helpful", slots={"unhelpful_streak": 1.0})

    messages, events = run_action(ActionFeedback(), tracker)

    assert messages[0]["response"] == "utter_feedback_thanks"
    assert {"event": "slot", "name": "unhelpful_streak", "value": 0.0, "timestamp": None} in events
    assert stored_feedback(live_app, tracker.sender_id) == [(QUESTION, True)]


def test_first_unhelpful_offers_a_human_the_second_in_a_row_hands_off(app_url, live_app):
    first_tracker = _after_an_answer("feedback_unhelpful")
    first, first_events = run_action(ActionFeedback(), first_tracker)
    assert first[0]["text"] == SORRY_MESSAGE
    assert first[0]["buttons"][0]["payload"] == "/request_human"
    assert PAUSE not in first_events
    assert stored_feedback(live_app, first_tracker.sender_id) == [(QUESTION, False)]

    second, second_events = run_action(
        ActionFeedback(), _after_an_answer("feedback_unhelpful", slots={"unhelpful_streak": 1.0})
    )
    assert custom_of(second)["reason"] == "unhelpful"
    assert PAUSE in second_events


def test_feedback_the_app_cannot_store_is_logged_as_an_error(app_url, caplog):
    """Feedback on a conversation the answer engine never saw (404 from the app)."""
    tracker = tracker_of([user_event("/feedback_helpful", "feedback_helpful")])

    messages, _ = run_action(ActionFeedback(), tracker)

    assert messages[0]["response"] == "utter_feedback_thanks"  # the citizen's turn goes on
    [record] = [r for r in caplog.records if r.name == "actions.feedback"]
    assert record.levelname == "ERROR" and "HTTP 404" in record.getMessage()


@pytest.mark.parametrize(
    ("last", "intent", "expected"),
    [
        ("我不想活了", "urgent_safety", "我不想活了"),  # the danger itself, not the last question
        ("我要投诉窗口态度差", "complaint", "我要投诉窗口态度差"),
        ("转人工", "request_human", "那需要什么材料？"),  # as typed, not the engine's joined query
        ("/feedback_unhelpful", "feedback_unhelpful", "那需要什么材料？"),
    ],
)
def test_the_operator_sees_the_words_that_caused_the_handoff(last, intent, expected):
    tracker = tracker_of([
        user_event("公积金租房提取怎么办理", "ask_policy"),
        bot_event("可以在线办理。", {"type": "answer", "query": "公积金租房提取怎么办理"}),
        user_event("那需要什么材料？", "ask_policy"),
        bot_event("需要身份证。", {"type": "answer", "query": "公积金租房提取怎么办理 那需要什么材料？"}),
        user_event(last, intent),
    ])

    assert handoff_question(tracker) == expected
