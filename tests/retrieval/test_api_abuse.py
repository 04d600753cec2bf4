"""Anonymous callers of /api/v1/search and /api/v1/answer: rate limits (in-process and
Redis), and no gap-page entries from sessions that never existed (issue 14 item 6)."""

from __future__ import annotations

import uuid

import pytest
from auth.helpers import logged_in
from sqlalchemy import select

from bot.models import QueryLog
from tests.handoff.support import closed_port_url, seed

REDIS_URL = "redis://127.0.0.1:6379/0"
BOTH = ("/api/v1/search", "/api/v1/answer")


def stranger() -> dict[str, dict[str, str]]:
    """A client address of its own, so parallel runs never share a rate-limit counter."""
    n = uuid.uuid4().int
    return {"environ_base": {"REMOTE_ADDR": f"10.{n % 250}.{n // 250 % 250}.{n // 62500 % 250 + 1}"}}


def test_made_up_session_ids_do_not_reach_the_gaps_page(kb_app, kb_client):
    made_up = "attacker-chosen-session"
    for _ in range(3):
        response = kb_client.post(
            "/api/v1/answer", json={"query": "火星移民补贴怎么申请", "session_id": made_up}
        )
        assert response.status_code == 200 and response.json["decision"] != "answer"
    kb_client.post("/api/v1/answer", json={"query": "火星移民补贴怎么申请"})
    with kb_app.extensions["wenzheng.sessions"]() as db:
        assert db.scalars(select(QueryLog)).all() == []
    editor = logged_in(kb_app, "editor1", "editor")
    page = editor.get("/console/gaps")
    assert page.status_code == 200 and "火星移民" not in page.text


def test_questions_of_real_conversations_are_logged(kb_app, kb_client):
    seed(kb_app)
    kb_app.config["RASA_URL"] = closed_port_url()
    session_id = kb_client.post("/api/v1/chat", json={"text": "你好"}).json["session_id"]
    kb_client.post("/api/v1/answer", json={"query": "火星移民补贴怎么申请", "session_id": session_id})
    token = {"Authorization": f"Bearer {kb_app.config['INTERNAL_TOKEN']}"}
    kb_client.post(  # the action server: Rasa's own sessions count too
        "/api/v1/answer", json={"query": "月球户口怎么办", "session_id": "rasa-only"}, headers=token
    )
    with kb_app.extensions["wenzheng.sessions"]() as db:
        logged = {(q.session_id, q.query) for q in db.scalars(select(QueryLog))}
    assert logged == {(session_id, "火星移民补贴怎么申请"), ("rasa-only", "月球户口怎么办")}


@pytest.mark.parametrize("path", BOTH)
def test_anonymous_calls_are_rate_limited_per_client_address(make_app, path):
    client = make_app(API_RATE_PER_IP=3).test_client()
    one, other = stranger(), stranger()
    statuses = [client.post(path, json={"query": ""}, **one).status_code for _ in range(4)]
    assert statuses == [400, 400, 400, 429]
    limited = client.post(path, json={"query": "社保"}, **one)
    assert limited.json["error"] == "rate_limited" and "频繁" in limited.json["message"]
    assert limited.headers["Retry-After"] == "60"
    assert client.post(path, json={"query": ""}, **other).status_code == 400


def test_the_action_server_is_not_rate_limited(make_app):
    app = make_app(API_RATE_PER_IP=2)
    client = app.test_client()
    token = {"Authorization": f"Bearer {app.config['INTERNAL_TOKEN']}"}
    statuses = {client.post("/api/v1/search", json={"query": ""}, headers=token).status_code
                for _ in range(5)}
    assert statuses == {400}
    # The token alone is not enough from an outside address.
    outside = {"environ_base": {"REMOTE_ADDR": "203.0.113.50"}}
    codes = [client.post("/api/v1/search", json={"query": ""}, headers=token, **outside).status_code
             for _ in range(3)]
    assert codes == [400, 400, 429]


def test_the_limit_is_shared_by_app_processes_through_redis(make_app, tmp_path):
    first = make_app(REDIS_URL=REDIS_URL, API_RATE_PER_IP=3, HOME=str(tmp_path / "a")).test_client()
    second = make_app(REDIS_URL=REDIS_URL, API_RATE_PER_IP=3, HOME=str(tmp_path / "b")).test_client()
    address = stranger()
    for _ in range(3):
        assert first.post("/api/v1/search", json={"query": ""}, **address).status_code == 400
    assert second.post("/api/v1/answer", json={"query": ""}, **address).status_code == 429
    assert second.post("/api/v1/answer", json={"query": ""}, **stranger()).status_code == 400
