"""The mini-program's node tests answer its fake ``wx.request`` with these files; they are
the Flask app's own responses to one conversation, so the fake cannot drift from the API.

A difference fails this test; after an intended API change, regenerate them with
``WENZHENG_UPDATE_FIXTURES=1 .venv/bin/python -m pytest tests/wechat/test_miniprogram_fixtures.py``
and run ``make test-miniprogram``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.chat.service import append_message, get_or_create_conversation
from bot.config import PROJECT_ROOT
from bot.desk import desk
from bot.handoff.departments import seed_demo
from bot.models import Handoff
from core.db import session_scope
from core.organisation import Department
from tests.handoff.support import add_operator

FIXTURES = PROJECT_ROOT / "miniprogram" / "tests" / "fixtures"
TEMPLATE = "tmpl-reply"
SESSION = "SESSION-ID"
CREATED_AT = "2026-01-01T00:00:00+00:00"
# What the relay stores for a cited answer (bot/chat/service.py, _relay_to_rasa).
ANSWER_PAYLOAD = {
    "citations": [
        {
            "n": 1,
            "source_id": "jzz-tl",
            "title": "居住证暂行条例",
            "locator": "第九条",
            "url": "https://www.gov.cn/zhengce/content/2015-12/14/content_10398.htm",
            "version": "2016-01-01",
            "snippet": "居住证持有人可以在居住地申领……",
        }
    ],
    "buttons": [
        {"title": "有帮助", "payload": "/feedback_helpful"},
        {"title": "没帮助", "payload": "/feedback_unhelpful"},
        {"title": "转人工", "payload": "/request_human"},
    ],
    "candidates": [],
}

pytestmark = [pytest.mark.parametrize("database_url", ["sqlite"], indirect=True), pytest.mark.fake_embedder]


@pytest.fixture
def wechat_settings(wechat_settings):
    return {**wechat_settings, "WECHAT_SUBSCRIBE_TEMPLATE_ID": TEMPLATE}


def normalized(value: Any, session_id: str) -> Any:
    """The response without what changes from run to run (session id, times)."""
    if isinstance(value, dict):
        return {
            key: CREATED_AT if key == "created_at" else normalized(item, session_id)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [normalized(item, session_id) for item in value]
    return SESSION if value == session_id else value


def conversation_responses(app, fake_wechat) -> dict[str, Any]:
    """One mini-program conversation through the real endpoints, response by response."""
    with app.app_context(), session_scope(app.extensions["wenzheng.sessions"]) as db:
        seed_demo(db)
        for department in db.scalars(select(Department)):
            department.service_hours = {}  # around the clock: the notice does not vary
    client = app.test_client()
    responses: dict[str, Any] = {}

    def record(name: str, response) -> dict[str, Any]:
        responses[name] = {"statusCode": response.status_code, "data": response.get_json()}
        return response.get_json()

    fake_wechat.codes["code-1"] = "openid-fixture"
    session_id = record("login", client.post("/api/v1/wechat/login", json={"code": "code-1"}))[
        "session_id"
    ]
    messages = f"/api/v1/chat/{session_id}/messages"
    record("messages-empty", client.get(messages))
    # Rasa is down in this test: the stored apology with its 转人工 button.
    record(
        "chat-rasa-down",
        client.post("/api/v1/chat", json={"session_id": session_id, "text": "居住证怎么办？"}),
    )
    with app.app_context(), session_scope(app.extensions["wenzheng.sessions"]) as db:
        conversation = get_or_create_conversation(db, session_id=session_id)
        line = append_message(db, conversation, "user", "居住证可以办哪些事？")
        append_message(
            db,
            conversation,
            "bot",
            "居住证持有人可以在居住地办理出入境证件、机动车登记等[1]。",
            payload=ANSWER_PAYLOAD,
            decision="answer",
            confidence=0.91,
        )
    record("messages-answer", client.get(messages, query_string={"after": line.id - 1}))
    handoff = record(
        "chat-request-human",
        client.post("/api/v1/chat", json={"session_id": session_id, "text": "/request_human"}),
    )
    record(
        "subscribe",
        client.post(
            "/api/v1/wechat/subscribe",
            json={"session_id": session_id, "results": {TEMPLATE: "accept"}},
        ),
    )
    after = max(m["id"] for m in handoff["messages"])
    with app.app_context(), session_scope(app.extensions["wenzheng.sessions"]) as db:
        handoff_id = db.scalar(select(Handoff.id))
        operator = add_operator(db, "op-fixture")
        desk().claim(db, handoff_id, operator)
        desk().reply(db, handoff_id, operator, "您好，我是人工客服，请问还有什么问题？")
    record("messages-operator", client.get(messages, query_string={"after": after}))
    with app.app_context(), session_scope(app.extensions["wenzheng.sessions"]) as db:
        desk().resolve(db, handoff_id, db.merge(operator))
    operator_reply = responses["messages-operator"]["data"]["messages"][-1]["id"]
    record("messages-resolved", client.get(messages, query_string={"after": operator_reply}))
    record(
        "chat-rated",
        client.post("/api/v1/chat", json={"session_id": session_id, "text": '/rate{"score": 5}'}),
    )
    record(
        "chat-too-long",
        client.post("/api/v1/chat", json={"session_id": session_id, "text": "长" * 501}),
    )
    record("messages-unknown-session", client.get("/api/v1/chat/forgotten-session/messages"))
    record("login-invalid-code", client.post("/api/v1/wechat/login", json={"code": "never-issued"}))
    app.extensions["wenzheng.wechat"].shutdown()
    return normalized(responses, session_id)


def test_fixtures_of_the_mini_program_tests_are_the_apps_own_responses(wechat_app, fake_wechat):
    responses = conversation_responses(wechat_app, fake_wechat)
    update = os.environ.get("WENZHENG_UPDATE_FIXTURES") == "1"
    stale = []
    for name, response in responses.items():
        path: Path = FIXTURES / f"{name}.json"
        text = json.dumps(response, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
        if update:
            FIXTURES.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        elif not path.exists() or path.read_text(encoding="utf-8") != text:
            stale.append(name)
    assert not stale, (
        f"the API changed for {stale}: regenerate with WENZHENG_UPDATE_FIXTURES=1 (see docstring)"
    )
    assert responses["messages-answer"]["data"]["messages"][-1]["citations"][0]["n"] == 1
    assert responses["messages-operator"]["data"]["handoff"]["state"] == "active"
    assert responses["messages-unknown-session"]["statusCode"] == 404
