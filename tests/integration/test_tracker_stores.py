"""Where Rasa keeps conversations: SQLite across a restart, PostgreSQL + Redis across servers.

Only rule-driven turns are used (greeting, small talk ...), so Rasa needs no action
server here and each turn's reply is known.
"""

from __future__ import annotations

import concurrent.futures
import uuid
from pathlib import Path

import pytest
import requests

from bench.stack import LiveStack, SupervisedStack, ensure_rasa_model, stack_env

pytestmark = pytest.mark.integration

TURNS = ["你好", "你能做什么", "你是机器人吗", "今天天气怎么样", "你吃饭了吗", "谢谢"]
REPLY_START = {
    "你好": "您好！",
    "你能做什么": "我可以",
    "你是机器人吗": "我是问政",
    "今天天气怎么样": "抱歉，这个问题不在",
    "你吃饭了吗": "谢谢您的关心",
    "谢谢": "不客气",
}


def _rasa_only(env: dict[str, str]) -> SupervisedStack:
    return SupervisedStack(env, only=["rasa"])


def _transcript(stack: LiveStack, sender: str) -> list[tuple[str, str]]:
    events = stack.tracker(sender)["events"]
    return [(e["event"], e["text"]) for e in events if e["event"] in {"user", "bot"}]


def test_embedded_mode_keeps_conversations_across_a_restart(tmp_path: Path):
    ensure_rasa_model()
    env = stack_env(tmp_path / "home")
    sender = f"restart-{uuid.uuid4().hex[:8]}"

    first = _rasa_only(env)
    try:
        first.start().say(sender, "你好")
    finally:
        first.stop()
    with pytest.raises(requests.ConnectionError):  # SIGINT to the supervisor stopped Rasa too
        requests.get(env["WENZHENG_RASA_URL"], timeout=5)
    second = _rasa_only(env)
    try:
        stack = second.start()
        stack.say(sender, "谢谢")
        transcript = _transcript(stack, sender)
    finally:
        second.stop()

    assert [text for kind, text in transcript if kind == "user"] == ["你好", "谢谢"]
    assert (tmp_path / "home" / "rasa" / "tracker.db").exists()


@pytest.fixture
def two_production_servers(tmp_path: Path, postgres_url: str):
    """Two Rasa servers (own homes and ports) sharing the PostgreSQL tracker and Redis locks."""
    ensure_rasa_model()
    shared = {"DATABASE_URL": postgres_url, "REDIS_URL": "redis://127.0.0.1:6379/0"}
    supervised = [_rasa_only(stack_env(tmp_path / name, **shared)) for name in ("a", "b")]
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        stacks = list(pool.map(SupervisedStack.start, supervised))
    try:
        yield stacks
    finally:
        for server in supervised:
            server.stop()


def assert_each_turn_answered_in_place(transcript: list[tuple[str, str]]) -> None:
    """User and bot lines alternate, and every reply is the one for the line before it."""
    assert [kind for kind, _ in transcript] == ["user", "bot"] * (len(transcript) // 2)
    for (_, said), (_, reply) in zip(transcript[::2], transcript[1::2], strict=True):
        assert reply.startswith(REPLY_START[said])


@pytest.mark.postgres
def test_production_mode_alternating_servers_keep_one_complete_ordered_transcript(
    two_production_servers,
):
    a, b = two_production_servers
    assert "生产模式" in (a.home / "supervisor.log").read_text()
    sender = f"prod-{uuid.uuid4().hex[:8]}"

    for n, text in enumerate(TURNS):
        messages = (a, b)[n % 2].say(sender, text)
        assert messages[0]["text"].startswith(REPLY_START[text])

    for server in (a, b):
        transcript = _transcript(server, sender)
        assert [text for kind, text in transcript if kind == "user"] == TURNS
        assert_each_turn_answered_in_place(transcript)


@pytest.mark.postgres
def test_production_mode_simultaneous_turns_through_two_app_processes_are_all_kept(
    two_production_servers, make_app, postgres_url
):
    """A double send reaching two app processes, each relaying to its own Rasa server:
    Rasa's Redis lock store alone loses one of the turns; the relay's lock keeps both."""
    a, b = two_production_servers
    shared = {"DATABASE_URL": postgres_url, "REDIS_URL": "redis://127.0.0.1:6379/0"}
    clients = [make_app(RASA_URL=server.rasa_url, **shared).test_client() for server in (a, b)]
    for _ in range(12):
        first = clients[0].post("/api/v1/chat", json={"text": "你好"}).get_json()
        session_id = first["session_id"]
        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            sent = [
                pool.submit(client.post, "/api/v1/chat", json={"text": text, "session_id": session_id})
                for client, text in zip(clients, ["你是机器人吗", "谢谢"], strict=True)
            ]
            assert all(future.result().status_code == 200 for future in sent)

        stored = clients[1].get(f"/api/v1/chat/{session_id}/messages").get_json()["messages"]
        assert sorted(m["role"] for m in stored) == ["bot"] * 3 + ["user"] * 3
        transcript = _transcript(a, session_id)
        said = [text for kind, text in transcript if kind == "user"]
        assert said[0] == "你好" and sorted(said[1:]) == sorted(["你是机器人吗", "谢谢"])
        assert_each_turn_answered_in_place(transcript)
