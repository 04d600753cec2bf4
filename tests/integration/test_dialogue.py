"""Chatting through Rasa's REST channel with the three real processes running."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import requests
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from bench.stack import LiveStack
from bot.models import Handoff

pytestmark = pytest.mark.integration

EMERGENCY_NUMBERS = ("110", "120", "119", "12356")


def new_sender() -> str:
    return f"it-{uuid.uuid4().hex[:12]}"


def customs(messages: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [m["custom"] for m in messages if (m.get("custom") or {}).get("type") == kind]


def cited(messages: list[dict[str, Any]]) -> list[str]:
    return [c["source_id"] for answer in customs(messages, "answer") for c in answer["citations"]]


def handoff_of(stack: LiveStack, handoff_id: int) -> Handoff:
    engine = create_engine(f"sqlite:///{stack.home / 'wenzheng.db'}")
    try:
        with Session(engine) as session:
            return session.scalars(select(Handoff).where(Handoff.id == handoff_id)).one()
    finally:
        engine.dispose()


def test_greeting(live_stack: LiveStack):
    messages = live_stack.say(new_sender(), "你好")

    assert "问政" in messages[0]["text"]
    assert not customs(messages, "answer")


def test_a_question_then_follow_ups_stay_in_the_topic_with_citations(live_stack: LiveStack):
    sender = new_sender()

    first = live_stack.say(sender, "公积金租房提取怎么办理")
    materials = live_stack.say(sender, "那需要什么材料？")
    online = live_stack.say(sender, "网上能办吗")

    assert cited(first)[0].startswith("faq-gjj-zufang")
    citation = customs(first, "answer")[0]["citations"][0]
    assert citation["title"] and citation["url"]
    assert first[-1]["text"] == "这个回答有帮助吗？"
    assert cited(materials)[0] == "faq-gjj-zufang-cailiao"
    assert cited(online)[0] == "faq-gjj-zufang-wangshang"


def test_a_clarify_button_answers_the_chosen_candidate(live_stack: LiveStack):
    sender = new_sender()
    live_stack.say(sender, "公积金怎么提取")

    messages = live_stack.say(
        sender, '/choose_candidate{"source_id": "faq-gjj-lizhi", "locator": "问题"}'
    )

    assert cited(messages) == ["faq-gjj-lizhi"]


def test_asking_for_a_human_hands_off_with_the_transcript_and_pauses_until_resumed(
    live_stack: LiveStack,
):
    sender = new_sender()
    live_stack.say(sender, "社保卡丢了怎么补办")

    messages = live_stack.say(sender, "转人工")

    handoff = customs(messages, "handoff")[0]
    assert handoff["reason"] == "user_request"
    record = handoff_of(live_stack, handoff["handoff_id"])
    turns = record.bot_context["turns"]
    assert [t["text"] for t in turns if t["role"] == "user"] == ["社保卡丢了怎么补办", "转人工"]
    assert any(t.get("decision") == "answer" for t in turns if t["role"] == "bot")
    assert record.last_query == "社保卡丢了怎么补办"

    assert live_stack.say(sender, "有人吗") == []  # the operator answers now, not the bot
    assert live_stack.tracker(sender)["paused"] is True

    resumed = requests.post(
        f"{live_stack.rasa_url}/conversations/{sender}/tracker/events",
        params={"token": live_stack.rasa_token},
        json={"event": "resume"},
        timeout=10,
    )
    assert resumed.status_code == 200
    assert "问政" in live_stack.say(sender, "你好")[0]["text"]


def test_an_out_of_scope_question_is_declined_without_an_answer(live_stack: LiveStack):
    messages = live_stack.say(new_sender(), "今天天气怎么样")

    assert "不在我的服务范围" in messages[0]["text"]
    assert not customs(messages, "answer")


def test_a_safety_message_gets_emergency_numbers_and_a_priority_handoff(live_stack: LiveStack):
    messages = live_stack.say(new_sender(), "我不想活了")

    assert all(number in messages[0]["text"] for number in EMERGENCY_NUMBERS)
    assert not customs(messages, "answer")
    handoff = customs(messages, "handoff")[0]
    assert handoff["reason"] == "safety"
    assert handoff_of(live_stack, handoff["handoff_id"]).priority > 0


def test_a_complaint_is_handed_off(live_stack: LiveStack):
    messages = live_stack.say(new_sender(), "我要投诉窗口工作人员态度差")

    assert customs(messages, "handoff")[0]["reason"] == "complaint"
