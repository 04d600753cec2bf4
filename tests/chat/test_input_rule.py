"""The public boundary's input rule on SQLite and PostgreSQL: control characters are stripped.

PostgreSQL text cannot hold NUL: before the rule a chat line or an answer query with one was
a 500 in production mode while SQLite stored it. Now both store the same clean text.
"""

from __future__ import annotations

from sqlalchemy import select

from bot.models import Message, QueryLog
from tests.auth.helpers import csrf_of, logged_in

DIRTY = "\u0000社保\u0007卡\ud800怎么\u009b补办\u007f"


def test_chat_line_with_control_characters_is_answered_and_stored_clean(chat_app):
    response = chat_app.test_client().post("/api/v1/chat", json={"text": DIRTY})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["user_message"]["text"] == "社保卡怎么补办"
    with chat_app.extensions["wenzheng.sessions"]() as db:
        texts = db.scalars(select(Message.text).where(Message.role == "user")).all()
    assert texts == ["社保卡怎么补办"]


def test_answer_query_with_nul_is_answered_and_logged_clean(chat_app):
    client = chat_app.test_client()
    session_id = client.post("/api/v1/chat", json={"text": "你好"}).get_json()["session_id"]
    response = client.post(
        "/api/v1/answer",
        json={"query": "\u0000社保", "history": ["\u0000"], "session_id": session_id + "\x00"},
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    with chat_app.extensions["wenzheng.sessions"]() as db:
        logged = db.scalars(select(QueryLog).where(QueryLog.query == "社保")).all()
    assert [row.session_id for row in logged] == [session_id]


def test_path_query_and_form_values_are_cleaned(chat_app):
    client = chat_app.test_client()
    unknown = client.get("/api/v1/chat/abc%00def/messages?after=%001")
    assert unknown.status_code == 404
    assert "会话不存在" in unknown.get_json()["message"]
    editor = logged_in(chat_app, "ed-nul", "editor")
    editor.get("/console/faq/new")
    created = editor.post(
        "/console/faq/new",
        data={
            "csrf_token": csrf_of(editor),
            "question": "\x00社保卡\x00怎么补办？",
            "body": "携带身份证\x00到社保经办机构办理。",
        },
    )
    assert created.status_code < 500, created.get_data(as_text=True)[:300]


def test_deeply_nested_json_is_a_clear_400_not_a_500(chat_app):
    body = '{"query":' * 5000 + '"社保"' + "}" * 5000
    response = chat_app.test_client().post(
        "/api/v1/answer", data=body, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.get_json()["message"] == "请求体不是合法的 JSON"
