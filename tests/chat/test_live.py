"""The chat API end to end: real web app, Rasa server and action server (``live_stack``)."""

from __future__ import annotations

import pytest
import requests

from tests.chat.test_stream import events_of, next_event
from tests.fixtures.stack import stored_feedback

pytestmark = pytest.mark.integration

QUESTION = "公积金租房提取怎么办理？"


def chat(stack, text: str, session_id: str | None = None) -> dict:
    body = {"text": text} if session_id is None else {"text": text, "session_id": session_id}
    response = requests.post(f"{stack.app_url}/api/v1/chat", json=body, timeout=60)
    assert response.status_code == 200, response.text
    return response.json()


def test_a_question_gets_a_cited_answer_and_feedback_buttons(live_stack):
    body = chat(live_stack, QUESTION)

    answer = next(m for m in body["messages"] if m["decision"] == "answer")
    assert answer["role"] == "bot"
    assert "[1]" in answer["text"]
    assert 0 < answer["confidence"] <= 1
    citation = answer["citations"][0]
    assert citation["n"] == 1
    assert "租房提取" in citation["title"]
    assert citation["url"] == "https://gjj.example.gov.cn/guide/zufang"
    feedback = [b for m in body["messages"] for b in m["buttons"]]
    assert {"title": "有帮助", "payload": "/feedback_helpful"} in feedback

    thanks = chat(live_stack, "/feedback_helpful", body["session_id"])
    assert thanks["user_message"]["text"] == "有帮助"  # stored under its button title
    assert "感谢您的反馈" in thanks["messages"][0]["text"]
    # The action server stored it on the answered question (POST /internal/v1/feedback).
    assert stored_feedback(live_stack, body["session_id"]) == [(QUESTION, True)]


def test_request_human_goes_through_rasa_and_later_messages_skip_it(live_stack):
    session_id = chat(live_stack, "居住证怎么办？")["session_id"]

    handed_off = chat(live_stack, "/request_human", session_id)
    assert handed_off["handoff"]["state"] == "waiting"
    assert any("工作人员" in m["text"] for m in handed_off["messages"])

    queued = chat(live_stack, "我的手机号是13812345678，麻烦回电", session_id)
    assert queued["messages"] == []
    tracker_texts = [
        e.get("text") for e in live_stack.tracker(session_id)["events"] if e["event"] == "user"
    ]
    assert "居住证怎么办？" in tracker_texts
    assert not any("回电" in (t or "") for t in tracker_texts)  # stayed with the operator


def test_personal_numbers_reach_rasa_masked(live_stack):
    session_id = chat(live_stack, "我的身份证号110101199003071234，社保卡丢了怎么补办？")[
        "session_id"
    ]
    [text] = [
        e.get("text") for e in live_stack.tracker(session_id)["events"] if e["event"] == "user"
    ]
    assert text == "我的身份证号110***********1234，社保卡丢了怎么补办？"


def test_the_live_transcript_streams_the_cited_answer(live_stack):
    """What the chat page shows after a reload: the stream replays the conversation."""
    session_id = chat(live_stack, QUESTION)["session_id"]

    with requests.get(
        f"{live_stack.app_url}/api/v1/chat/{session_id}/stream",
        headers={"Accept": "text/event-stream", "Last-Event-ID": "0"},
        stream=True,
        timeout=30,
    ) as response:
        events = events_of(response)
        said = next_event(events, "message")["data"]
        answer = next_event(events, "message")["data"]

    assert (said["role"], said["text"]) == ("user", QUESTION)
    assert answer["decision"] == "answer" and "[1]" in answer["text"]
    assert answer["citations"][0]["url"] == "https://gjj.example.gov.cn/guide/zufang"
