"""Production mode end to end: PostgreSQL for the app and Rasa's tracker, Redis for locks and
rate limits, the three processes under the supervisor; a citizen's policy question gets a
cited answer and the conversation is in PostgreSQL."""

from __future__ import annotations

import pytest
import requests
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from bench.stack import LiveStack
from bot.models import Conversation, QueryLog

pytestmark = [pytest.mark.integration, pytest.mark.postgres]


def test_a_policy_question_gets_a_cited_answer_in_production_mode(production_stack: LiveStack):
    assert "生产模式" in (production_stack.home / "supervisor.log").read_text()

    response = requests.post(
        f"{production_stack.app_url}/api/v1/chat", json={"text": "公积金租房提取怎么办理？"}, timeout=60
    )

    assert response.status_code == 200, response.text
    body = response.json()
    answer = next(m for m in body["messages"] if m["decision"] == "answer")
    assert "[1]" in answer["text"]
    assert answer["citations"][0]["url"] == "https://gjj.example.gov.cn/guide/zufang"
    engine = create_engine(production_stack.env["DATABASE_URL"])
    try:
        with Session(engine) as db:
            conversation = db.scalar(
                select(Conversation).where(Conversation.session_id == body["session_id"])
            )
            logged = db.scalars(select(QueryLog.decision).where(QueryLog.session_id == body["session_id"]))
            assert conversation is not None and list(logged) == ["answer"]
    finally:
        engine.dispose()
    # Rasa kept the turn in its PostgreSQL tracker store.
    said = [e["text"] for e in production_stack.tracker(body["session_id"])["events"] if e["event"] == "user"]
    assert said == ["公积金租房提取怎么办理？"]
