"""The live transcript (Server-Sent Events) over a real HTTP server."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from itertools import islice
from typing import Any

import pytest
import requests
from flask import Flask
from sqlalchemy import select

from bot.desk import desk
from bot.models import Conversation
from tests.chat.conftest import serving
from tests.handoff.support import add_operator, closed_port_url, seed

pytestmark = pytest.mark.timeout(120)  # an SSE stream that never ends fails, not hangs

REDIS_URL = "redis://127.0.0.1:6379/0"


def events_of(response: requests.Response) -> Iterator[dict[str, Any]]:
    """Parse an SSE body into {"id", "event", "data", "comment"} dicts, one per block."""
    buffer = b""
    for chunk in response.iter_content(chunk_size=None):
        buffer += chunk
        while b"\n\n" in buffer:
            raw, buffer = buffer.split(b"\n\n", 1)
            block: dict[str, Any] = {}
            for line in raw.decode().split("\n"):
                if line.startswith(":"):
                    block["comment"] = line[1:].strip()
                else:
                    field, _, value = line.partition(": ")
                    block[field] = json.loads(value) if field == "data" else value
            yield block


def next_event(events: Iterator[dict[str, Any]], kind: str) -> dict[str, Any]:
    return next(e for e in events if e.get("event") == kind)


def start_conversation(base_url: str) -> str:
    response = requests.post(f"{base_url}/api/v1/chat", json={"text": "低保怎么申请？"}, timeout=10)
    return response.json()["session_id"]


def open_stream(base_url: str, session_id: str, **headers: str) -> requests.Response:
    return requests.get(
        f"{base_url}/api/v1/chat/{session_id}/stream",
        headers={"Accept": "text/event-stream", **headers},
        stream=True,
        timeout=10,
    )


def hand_off_and_reply(app: Flask, session_id: str, text: str) -> None:
    """An operator takes the conversation and answers it (what the operator console does)."""
    with app.app_context():
        db = app.extensions["wenzheng.sessions"]()
        operator = add_operator(db, f"op{uuid.uuid4().hex[:6]}")
        conversation = db.scalar(select(Conversation).where(Conversation.session_id == session_id))
        handoff, _ = desk().open_handoff(db, conversation, "user_request")
        desk().claim(db, handoff.id, operator)
        desk().reply(db, handoff.id, operator, text)
        db.close()


@pytest.fixture
def live_app(make_app, database_url: str) -> Flask:
    app = make_app(
        DATABASE_URL=database_url, RASA_URL=closed_port_url(), CHAT_HEARTBEAT_SECONDS=0.3
    )
    seed(app)
    return app


def test_stream_replays_the_transcript_then_delivers_operator_replies_live(live_app):
    with serving(live_app) as base_url:
        session_id = start_conversation(base_url)
        with open_stream(base_url, session_id) as response:
            assert response.headers["Content-Type"].startswith("text/event-stream")
            events = events_of(response)
            backlog = [next_event(events, "message"), next_event(events, "message")]
            assert [m["data"]["role"] for m in backlog] == ["user", "system"]
            assert backlog[0]["id"] == str(backlog[0]["data"]["id"])
            assert next_event(events, "handoff")["data"]["state"] == "none"

            hand_off_and_reply(live_app, session_id, "您好，低保向户籍所在地街道申请。")

            live = list(islice((e for e in events if "event" in e), 4))

    # opened → "已接入" notice → claimed → the operator's reply, in the order they happened.
    assert [(e["event"], e["data"].get("role")) for e in live] == [
        ("handoff", None),
        ("message", "system"),
        ("handoff", None),
        ("message", "operator"),
    ]
    # A handoff event carries the state as read when it is sent: never older than the change.
    states = [e["data"]["state"] for e in live if e["event"] == "handoff"]
    assert states[0] in {"waiting", "active"} and states[1] == "active"
    assert "已接入" in live[1]["data"]["text"]
    assert live[3]["data"]["text"] == "您好，低保向户籍所在地街道申请。"


def test_stream_resumes_after_last_event_id(live_app):
    with serving(live_app) as base_url:
        session_id = start_conversation(base_url)
        requests.post(
            f"{base_url}/api/v1/chat",
            json={"session_id": session_id, "text": "需要什么材料？"},
            timeout=10,
        )
        with open_stream(base_url, session_id) as response:
            events = events_of(response)
            all_ids = [int(next_event(events, "message")["id"]) for _ in range(4)]
        with open_stream(base_url, session_id, **{"Last-Event-ID": str(all_ids[1])}) as response:
            events = events_of(response)
            resumed = [int(next_event(events, "message")["id"]) for _ in range(2)]
    assert resumed == all_ids[2:]


def test_stream_sends_heartbeats_while_idle(live_app):
    with serving(live_app) as base_url:
        session_id = start_conversation(base_url)
        with open_stream(base_url, session_id) as response:
            heartbeat = next(e for e in events_of(response) if "comment" in e)
    assert heartbeat["comment"] == "heartbeat"


def test_stream_across_app_processes_through_redis(make_app, tmp_path):
    """Production mode: the citizen's stream is served by one app, the operator uses another."""
    database = f"sqlite:///{tmp_path / 'shared.db'}"
    citizen_side = make_app(
        DATABASE_URL=database,
        REDIS_URL=REDIS_URL,
        RASA_URL=closed_port_url(),
        HOME=str(tmp_path / "a"),
    )
    seed(citizen_side)
    operator_side = make_app(
        DATABASE_URL=database,
        REDIS_URL=REDIS_URL,
        RASA_URL=closed_port_url(),
        HOME=str(tmp_path / "b"),
    )
    with serving(citizen_side) as base_url:
        session_id = start_conversation(base_url)
        with open_stream(base_url, session_id) as response:
            events = events_of(response)
            next_event(events, "handoff")  # backlog done, live from here
            hand_off_and_reply(operator_side, session_id, "已收到，正在为您查询。")
            texts = [next_event(events, "message")["data"]["text"] for _ in range(2)]
    assert texts[1] == "已收到，正在为您查询。"
