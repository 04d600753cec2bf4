"""The citizen chat API: contract, errors, Rasa outages, handoff routing, persistence."""

from __future__ import annotations

import time

import pytest
import redis
from flask import Flask
from sqlalchemy import select

from bot.desk import desk
from bot.models import Conversation, Handoff, Message
from tests.chat.conftest import BrokenRasa
from tests.handoff.support import add_operator, closed_port_url, seed


def post(client, text, session_id=None):
    body = {"text": text} if session_id is None else {"text": text, "session_id": session_id}
    return client.post("/api/v1/chat", json=body)


def open_db(app: Flask):
    return app.extensions["wenzheng.sessions"]()


def conversation_of(db, session_id: str) -> Conversation:
    return db.scalar(select(Conversation).where(Conversation.session_id == session_id))


# ------------------------------------------------------------------ contract and sessions


def test_new_conversation_gets_an_unguessable_server_issued_session(chat_app):
    client = chat_app.test_client()
    first = post(client, "灵活就业人员怎么缴社保？")
    second = post(client, "公积金怎么提取？")

    assert first.status_code == 200
    body = first.get_json()
    assert set(body) == {"session_id", "user_message", "messages", "handoff"}
    assert len(body["session_id"]) >= 32
    assert body["session_id"] != second.get_json()["session_id"]
    assert body["user_message"]["role"] == "user"
    assert body["user_message"]["text"] == "灵活就业人员怎么缴社保？"
    message = body["messages"][0]
    assert set(message) == {
        "id",
        "role",
        "text",
        "citations",
        "buttons",
        "confidence",
        "decision",
        "created_at",
    }
    assert message["created_at"].endswith("+00:00")
    assert body["handoff"] == {"state": "none", "department": None, "rated": False, "rating": None}


def test_a_client_cannot_choose_its_own_session_id(chat_app):
    client = chat_app.test_client()
    response = post(client, "你好", session_id="my-own-id")
    assert response.status_code == 404
    assert response.get_json()["error"] == "unknown_session"
    assert "会话不存在" in response.get_json()["message"]
    with chat_app.app_context():
        db = open_db(chat_app)
        assert conversation_of(db, "my-own-id") is None
        db.close()


@pytest.mark.parametrize(
    "path", ["/api/v1/chat/nosuchsession/messages", "/api/v1/chat/nosuchsession/stream"]
)
def test_unknown_session_is_a_404_json_error(chat_app, path):
    response = chat_app.test_client().get(path)
    assert response.status_code == 404
    assert response.get_json()["error"] == "unknown_session"


def test_doubled_slashes_are_not_redirected(chat_app):
    """``//evil.example`` in the session part was answered with a 308 to a merged path."""
    response = chat_app.test_client().get("/api/v1/chat//evil.example/messages")
    assert response.status_code == 404
    assert "Location" not in response.headers


# ------------------------------------------------------------------ bad input


@pytest.mark.parametrize(
    ("kwargs", "status", "code"),
    [
        ({"json": {"text": ""}}, 400, "empty_text"),
        ({"json": {"text": "  \n "}}, 400, "empty_text"),
        ({"json": {}}, 400, "invalid_text"),
        ({"json": {"text": 42}}, 400, "invalid_text"),
        ({"json": {"text": "x" * 501}}, 400, "text_too_long"),
        ({"json": {"text": "你好", "session_id": 7}}, 400, "invalid_session_id"),
        ({"json": ["你好"]}, 400, "malformed_json"),
        ({"data": '{"text": "你好"', "content_type": "application/json"}, 400, "malformed_json"),
        ({"data": "text=你好", "content_type": "application/x-www-form-urlencoded"}, 415, None),
    ],
)
def test_bad_requests_get_a_clear_chinese_error_and_store_nothing(chat_app, kwargs, status, code):
    response = chat_app.test_client().post("/api/v1/chat", **kwargs)
    assert response.status_code == status
    body = response.get_json()
    if code:
        assert body["error"] == code
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["message"])
    with chat_app.app_context():
        db = open_db(chat_app)
        assert db.scalar(select(Message).limit(1)) is None
        db.close()


def test_message_of_exactly_the_limit_is_accepted(chat_app):
    response = post(chat_app.test_client(), "问" * 500)
    assert response.status_code == 200
    assert response.get_json()["user_message"]["text"] == "问" * 500


@pytest.mark.parametrize("after", ["abc", "-1", "1.5", "9" * 30])
def test_bad_cursor_is_rejected(chat_app, after):
    session_id = post(chat_app.test_client(), "你好").get_json()["session_id"]
    response = chat_app.test_client().get(f"/api/v1/chat/{session_id}/messages?after={after}")
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_cursor"


def test_per_session_rate_limit(make_app):
    app = make_app(RASA_URL=closed_port_url(), CHAT_RATE_PER_SESSION=3)
    client = app.test_client()
    session_id = post(client, "第1问").get_json()["session_id"]
    statuses = [post(client, f"第{i}问", session_id).status_code for i in range(2, 6)]
    # The first message opened the session; three more are allowed in the window.
    assert statuses == [200, 200, 200, 429]
    refused = post(client, "再问", session_id)
    assert refused.get_json()["error"] == "rate_limited"
    assert "请稍等" in refused.get_json()["message"]


def test_per_ip_rate_limit_also_stops_new_sessions(make_app):
    app = make_app(RASA_URL=closed_port_url(), CHAT_RATE_PER_IP=2)
    client = app.test_client()
    assert post(client, "一").status_code == 200
    assert post(client, "二").status_code == 200
    refused = post(client, "三")
    assert refused.status_code == 429
    other_ip = client.post(
        "/api/v1/chat", json={"text": "四"}, environ_base={"REMOTE_ADDR": "10.0.0.9"}
    )
    assert other_ip.status_code == 200


# ------------------------------------------------------------------ Rasa outages


def test_rasa_down_gives_a_stored_apology_with_a_human_button(chat_app):
    client = chat_app.test_client()
    body = post(client, "居住证怎么办理？").get_json()

    [apology] = body["messages"]
    assert apology["role"] == "system"
    assert "抱歉" in apology["text"]
    assert {"title": "转人工", "payload": "/request_human"} in apology["buttons"]
    history = client.get(f"/api/v1/chat/{body['session_id']}/messages").get_json()
    assert [m["text"] for m in history["messages"]] == ["居住证怎么办理？", apology["text"]]


def test_stalled_rasa_times_out_into_the_apology(make_app, stalled_rasa: BrokenRasa):
    app = make_app(RASA_URL=stalled_rasa.url, RASA_TIMEOUT=0.5)
    started = time.monotonic()
    response = post(app.test_client(), "个税怎么申报？")
    assert time.monotonic() - started < 5
    assert response.status_code == 200
    assert "抱歉" in response.get_json()["messages"][0]["text"]


def test_rasa_hanging_up_gives_the_apology(make_app, hangup_rasa: BrokenRasa):
    app = make_app(RASA_URL=hangup_rasa.url)
    response = post(app.test_client(), "医保怎么报销？")
    assert response.status_code == 200
    assert response.get_json()["messages"][0]["role"] == "system"
    assert hangup_rasa.bodies[0]["message"] == "医保怎么报销？"


def test_a_turn_waiting_too_long_behind_another_gets_the_apology(make_app, hangup_rasa: BrokenRasa):
    """Production mode: a turn of the same conversation still running in another app
    process (here: its lock held) makes this one wait, at most the Rasa timeout."""
    app = make_app(RASA_URL=hangup_rasa.url, RASA_TIMEOUT=0.5, REDIS_URL="redis://127.0.0.1:6379/0")
    client = app.test_client()
    session_id = post(client, "你好").get_json()["session_id"]
    other_turn = redis.Redis().lock(f"wenzheng:turn:{session_id}", timeout=30)
    assert other_turn.acquire(blocking=False)
    try:
        started = time.monotonic()
        body = post(client, "医保怎么报销？", session_id).get_json()
    finally:
        other_turn.release()
    assert time.monotonic() - started < 5
    assert "抱歉" in body["messages"][0]["text"]
    assert [b["message"] for b in hangup_rasa.bodies] == ["你好"]  # never sent, still stored
    history = client.get(f"/api/v1/chat/{session_id}/messages").get_json()["messages"]
    assert "医保怎么报销？" in [m["text"] for m in history]


def test_human_button_opens_a_handoff_even_when_rasa_is_down(chat_app):
    client = chat_app.test_client()
    session_id = post(client, "公积金贷款额度怎么算？").get_json()["session_id"]
    body = post(client, "/request_human", session_id).get_json()

    assert body["user_message"]["text"] == "转人工"  # stored under its button title
    assert body["handoff"]["state"] == "waiting"
    assert "工作人员" in body["messages"][0]["text"]  # when a person will answer
    with chat_app.app_context():
        db = open_db(chat_app)
        handoff = db.scalar(select(Handoff))
        assert handoff.reason == "user_request"
        assert handoff.last_query == "公积金贷款额度怎么算？"
        db.close()


# ------------------------------------------------------------------ privacy


SENSITIVE = "我的身份证110101199003071234，手机13812345678，卡号6222021234567890123"


def test_rasa_only_ever_receives_masked_numbers(make_app, hangup_rasa: BrokenRasa):
    app = make_app(RASA_URL=hangup_rasa.url)
    body = post(app.test_client(), SENSITIVE).get_json()

    sent = hangup_rasa.bodies[0]
    assert sent["sender"] == body["session_id"]
    assert "110101199003071234" not in sent["message"]
    assert "13812345678" not in sent["message"]
    assert "6222021234567890123" not in sent["message"]
    assert "138****5678" in sent["message"]
    # By default the transcript keeps the numbers for the operator.
    assert body["user_message"]["text"] == SENSITIVE


def test_transcript_masking_when_configured(make_app):
    app = make_app(RASA_URL=closed_port_url(), TRANSCRIPT_MASKING=True)
    client = app.test_client()
    session_id = post(client, SENSITIVE).get_json()["session_id"]
    stored = client.get(f"/api/v1/chat/{session_id}/messages").get_json()["messages"][0]["text"]
    assert stored == "我的身份证110***********1234，手机138****5678，卡号6222***********0123"


# ------------------------------------------------------------------ handoff routing


def test_while_handed_off_messages_go_to_the_operator_queue_not_to_rasa(
    make_app, database_url, hangup_rasa: BrokenRasa
):
    app = make_app(DATABASE_URL=database_url, RASA_URL=hangup_rasa.url)
    seed(app)
    client = app.test_client()
    session_id = post(client, "社保断缴怎么办？").get_json()["session_id"]
    assert len(hangup_rasa.bodies) == 1
    with app.app_context():
        db = open_db(app)
        desk().open_handoff(db, conversation_of(db, session_id), "user_request")
        db.close()

        with app.extensions["wenzheng.events"].subscribe("queue") as queue:
            response = post(client, "我已经等了很久了", session_id)
            event = queue.get(timeout=2)

    body = response.get_json()
    assert body["messages"] == []
    assert body["handoff"]["state"] == "waiting"
    assert len(hangup_rasa.bodies) == 1  # nothing more reached Rasa
    assert event == {
        "type": "citizen_message",
        "session_id": session_id,
        "message_id": body["user_message"]["id"],
    }


def test_operator_replies_and_rating_after_resolution(chat_app):
    client = chat_app.test_client()
    session_id = post(client, "退休金怎么算？").get_json()["session_id"]
    with chat_app.app_context():
        db = open_db(chat_app)
        operator = add_operator(db, "zhang")
        handoff, _ = desk().open_handoff(
            db, conversation_of(db, session_id), "user_request"
        )
        desk().claim(db, handoff.id, operator)
        desk().reply(db, handoff.id, operator, "您好，养老金按缴费年限和基数计算。")
        desk().add_note(db, handoff.id, operator, "内部备注：老人，耐心解释")
        desk().resolve(db, handoff.id, operator)
        db.close()

    history = client.get(f"/api/v1/chat/{session_id}/messages").get_json()
    texts = [(m["role"], m["text"]) for m in history["messages"]]
    assert ("operator", "您好，养老金按缴费年限和基数计算。") in texts
    assert not any("内部备注" in text for _, text in texts)  # notes stay with operators
    assert history["handoff"]["state"] == "resolved"
    rating_prompt = history["messages"][-1]
    assert {"title": "5分 非常满意", "payload": '/rate{"score": 5}'} in rating_prompt["buttons"]

    rated = post(client, '/rate{"score": 5}', session_id).get_json()
    assert rated["user_message"]["text"] == "满意度评价：5 分"
    assert "感谢您的评价" in rated["messages"][0]["text"]
    assert rated["handoff"]["rated"] is True and rated["handoff"]["rating"] == 5
    again = post(client, '/rate{"score": 1}', session_id).get_json()
    assert "已评价" in again["messages"][0]["text"]
    with chat_app.app_context():
        db = open_db(chat_app)
        assert db.scalar(select(Handoff.rating)) == 5
        db.close()


@pytest.mark.parametrize("payload", ['/rate{"score": 9}', '/rate{"score": "五"}', "/rate{oops}"])
def test_invalid_rating_is_explained_not_stored(chat_app, payload):
    client = chat_app.test_client()
    session_id = post(client, "你好").get_json()["session_id"]
    body = post(client, payload, session_id).get_json()
    assert "评分须为 1 到 5" in body["messages"][0]["text"]


def test_rating_without_a_resolved_handoff_is_explained(chat_app):
    client = chat_app.test_client()
    session_id = post(client, "你好").get_json()["session_id"]
    body = post(client, '/rate{"score": 4}', session_id).get_json()
    assert body["messages"][0]["text"] == "当前没有可评价的人工服务"


# ------------------------------------------------------------------ persistence


def test_transcript_survives_an_app_restart(make_app, database_url):
    first = make_app(DATABASE_URL=database_url, RASA_URL=closed_port_url())
    seed(first)
    client = first.test_client()
    session_id = post(client, "户口迁移需要什么材料？").get_json()["session_id"]
    post(client, "/request_human", session_id)
    before = client.get(f"/api/v1/chat/{session_id}/messages").get_json()
    first.extensions["wenzheng.engine"].dispose()

    restarted = make_app(DATABASE_URL=database_url, RASA_URL=closed_port_url())
    after = restarted.test_client().get(f"/api/v1/chat/{session_id}/messages").get_json()

    assert after == before
    assert [m["role"] for m in after["messages"]] == ["user", "system", "user", "system"]
    assert after["handoff"]["state"] == "waiting"
    cursor = after["messages"][1]["id"]
    tail = restarted.test_client().get(f"/api/v1/chat/{session_id}/messages?after={cursor}")
    assert [m["text"] for m in tail.get_json()["messages"]][0] == "转人工"
