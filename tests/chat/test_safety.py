"""A safety message while handed off: Rasa sees nothing, so the relay answers it itself."""

from __future__ import annotations

from sqlalchemy import select

from bot.desk import desk
from bot.handoff.routing import priority_for
from bot.models import Conversation, Handoff, HandoffEvent
from tests.chat.conftest import BrokenRasa
from tests.handoff.support import seed


def post(client, text, session_id):
    return client.post("/api/v1/chat", json={"text": text, "session_id": session_id}).get_json()


def handed_off_session(app, client) -> str:
    """A conversation in the operator queue because the citizen asked for a person."""
    session_id = client.post("/api/v1/chat", json={"text": "退休手续怎么办？"}).get_json()[
        "session_id"
    ]
    with app.app_context():
        db = app.extensions["wenzheng.sessions"]()
        conversation = db.scalar(select(Conversation).where(Conversation.session_id == session_id))
        desk().open_handoff(db, conversation, "user_request")
        db.close()
    return session_id


def test_safety_message_while_handed_off_gets_emergency_numbers_and_top_priority(
    make_app, database_url, hangup_rasa: BrokenRasa
):
    app = make_app(DATABASE_URL=database_url, RASA_URL=hangup_rasa.url)
    seed(app)
    client = app.test_client()
    session_id = handed_off_session(app, client)
    rasa_calls = len(hangup_rasa.bodies)

    with app.extensions["wenzheng.events"].subscribe("queue") as queue:
        body = post(client, "我不想活了", session_id)
        queued = [queue.get(timeout=2), queue.get(timeout=2)]

    assert len(hangup_rasa.bodies) == rasa_calls  # Rasa still saw nothing
    [answer] = body["messages"]
    assert answer["role"] == "bot"
    for number in ("110", "120", "119", "12356"):
        assert number in answer["text"]
    assert body["handoff"]["state"] == "waiting"
    # The operator sees the line and the conversation jumps the queue.
    assert {
        "type": "citizen_message",
        "session_id": session_id,
        "message_id": body["user_message"]["id"],
    } in queued
    assert any(event.get("action") == "safety" for event in queued)
    with app.app_context():
        db = app.extensions["wenzheng.sessions"]()
        handoff = db.scalar(select(Handoff))
        assert handoff.reason == "safety"
        assert handoff.priority == priority_for("safety")
        event = db.scalar(select(HandoffEvent).where(HandoffEvent.action == "safety"))
        assert event.detail == {
            "previous_reason": "user_request",
            "message_id": body["user_message"]["id"],
        }
        db.close()


def test_traditional_characters_count_and_ordinary_lines_stay_with_the_operator(
    make_app, database_url, hangup_rasa: BrokenRasa
):
    app = make_app(DATABASE_URL=database_url, RASA_URL=hangup_rasa.url)
    seed(app)
    client = app.test_client()
    session_id = handed_off_session(app, client)

    assert post(client, "还要等多久？", session_id)["messages"] == []
    answer = post(client, "我想自殺", session_id)["messages"][0]
    assert "12356" in answer["text"]
    with app.app_context():
        db = app.extensions["wenzheng.sessions"]()
        assert db.scalar(select(Handoff.priority)) == priority_for("safety")
        db.close()
