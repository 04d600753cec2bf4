"""The internal API the Rasa action server calls: auth, validation, idempotency."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.models import Conversation, Handoff, QueryLog
from internal.conftest import TOKEN

pytestmark = pytest.mark.fake_embedder  # no ranking asserted: no 471 MB model

AUTH = {"Authorization": f"Bearer {TOKEN}"}
HANDOFF = {
    "session_id": "rasa-only-session",
    "reason": "low_confidence",
    "last_query": "生育津贴怎么领取",
    "bot_context": {
        "turns": [{"user": "生育津贴怎么领取", "decision": "handoff", "confidence": 0.21}]
    },
}


def _db(app):
    return app.extensions["wenzheng.sessions"]()


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong"},
        {"Authorization": TOKEN},
        {"Authorization": f"Bearer {TOKEN}x"},
    ],
)
def test_wrong_or_missing_token_is_refused(api, headers):
    for path in ("/internal/v1/handoffs", "/internal/v1/feedback"):
        response = api.post(path, json=HANDOFF, headers=headers)
        assert response.status_code == 401
        assert response.json["error"] == "unauthorized"


def test_handoff_creates_the_unknown_session_and_is_idempotent(api, internal_app):
    first = api.post("/internal/v1/handoffs", json=HANDOFF, headers=AUTH)
    second = api.post(
        "/internal/v1/handoffs", json={**HANDOFF, "reason": "user_request"}, headers=AUTH
    )

    assert first.status_code == 201 and second.status_code == 200
    assert second.json["handoff_id"] == first.json["handoff_id"]
    assert first.json["state"] == "waiting" and first.json["department"] == "shebao"
    assert "社保" in first.json["message"]
    db = _db(internal_app)
    conversation = db.scalar(select(Conversation))
    assert (conversation.session_id, conversation.channel) == ("rasa-only-session", "rest")
    assert conversation.handoff_state == "waiting"
    handoff = db.scalar(select(Handoff))
    assert handoff.bot_context == HANDOFF["bot_context"]
    assert handoff.reason == "low_confidence"
    db.close()


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({**HANDOFF, "reason": "whim"}, "invalid_reason"),
        ({**HANDOFF, "session_id": ""}, "invalid_session_id"),
        ({**HANDOFF, "session_id": "x" * 65}, "invalid_session_id"),
        ({**HANDOFF, "last_query": "问" * 2001}, "invalid_last_query"),
        ({**HANDOFF, "bot_context": {"turns": "nope"}}, "invalid_bot_context"),
        ([HANDOFF], "malformed_json"),
    ],
)
def test_bad_handoff_requests_get_a_clear_error_and_store_nothing(api, internal_app, body, error):
    response = api.post("/internal/v1/handoffs", json=body, headers=AUTH)
    assert response.status_code == 400
    assert response.json["error"] == error and response.json["message"]
    db = _db(internal_app)
    assert db.scalar(select(Handoff)) is None
    db.close()


def test_malformed_json_body(api):
    response = api.post(
        "/internal/v1/handoffs",
        data="{not json",
        headers={**AUTH, "Content-Type": "application/json"},
    )
    assert response.status_code == 400 and response.json["error"] == "malformed_json"


def test_feedback_marks_the_latest_query(api, internal_app):
    db = _db(internal_app)
    db.add_all(
        [
            QueryLog(session_id="s1", query="旧问题", decision="answer", confidence=0.9),
            QueryLog(session_id="s1", query="新问题", decision="answer", confidence=0.8),
        ]
    )
    db.commit()

    response = api.post(
        "/internal/v1/feedback", json={"session_id": "s1", "helpful": False}, headers=AUTH
    )

    assert response.status_code == 200
    rows = {q.query: q.helpful for q in db.scalars(select(QueryLog)).all()}
    db.close()
    assert rows == {"旧问题": None, "新问题": False}


def test_feedback_errors(api):
    unknown = api.post(
        "/internal/v1/feedback", json={"session_id": "none", "helpful": True}, headers=AUTH
    )
    assert unknown.status_code == 404
    not_bool = api.post(
        "/internal/v1/feedback", json={"session_id": "s", "helpful": "yes"}, headers=AUTH
    )
    assert not_bool.status_code == 400 and not_bool.json["error"] == "invalid_helpful"
