"""Live streams cannot take the server down: bounded life, per-client caps, a global cap.

The flood test runs the app under waitress, the production server, with a small thread
pool: without the caps, a handful of idle streams would hold every thread.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

import pytest
import requests
from flask import Flask
from waitress.server import create_server

from tests.chat.conftest import serving
from tests.chat.test_stream import events_of, open_stream, start_conversation
from tests.handoff.support import closed_port_url, seed

pytestmark = pytest.mark.timeout(120)  # a stream that never ends fails, not hangs

THREADS = 6


@contextmanager
def waitress_serving(app: Flask, threads: int = THREADS) -> Iterator[str]:
    """``app`` under waitress (as `python -m bot.supervisor` runs it) on a free port."""
    server = create_server(app, host="127.0.0.1", port=0, threads=threads)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        # Let the streams run out (CHAT_STREAM_SECONDS) before the sockets go away, so no
        # server thread outlives the test.
        server.task_dispatcher.shutdown(cancel_pending=True, timeout=10)
        server.close()


@pytest.fixture
def stream_app(make_app, database_url: str) -> Flask:
    app = make_app(
        DATABASE_URL=database_url,
        RASA_URL=closed_port_url(),
        CHAT_HEARTBEAT_SECONDS=0.3,
        CHAT_STREAM_SECONDS=5,
        CHAT_STREAMS_MAX=3,
        CHAT_STREAMS_PER_IP=100,
        CHAT_STREAMS_PER_SESSION=100,
    )
    seed(app)
    return app


def try_stream(base_url: str, session_id: str, held: list[requests.Response]) -> int | None:
    """Status of a stream request (an open one is kept in ``held``), or None on no answer."""
    try:
        response = requests.get(
            f"{base_url}/api/v1/chat/{session_id}/stream", stream=True, timeout=3
        )
    except requests.RequestException:
        return None
    if response.status_code != 200:
        response.close()
    else:
        held.append(response)
    return response.status_code


def test_a_flood_of_streams_leaves_chat_and_consoles_answering(stream_app):
    with waitress_serving(stream_app) as base_url:
        session_id = start_conversation(base_url)
        held: list[requests.Response] = []
        try:
            statuses = [try_stream(base_url, session_id, held) for _ in range(THREADS + 4)]
            started = time.monotonic()
            turn = requests.post(
                f"{base_url}/api/v1/chat",
                json={"session_id": session_id, "text": "还在吗？"},
                timeout=10,
            )
            login_page = requests.get(f"{base_url}/auth/login", timeout=10)
            console = requests.get(f"{base_url}/console/", timeout=10, allow_redirects=False)
            elapsed = time.monotonic() - started
        finally:
            for response in held:
                response.close()
    assert statuses.count(200) == 3
    assert statuses.count(429) == THREADS + 1
    assert turn.status_code == 200 and turn.json()["messages"]
    assert login_page.status_code == 200 and "登录" in login_page.text
    assert console.status_code in {302, 303}
    assert elapsed < 10


def test_a_refused_stream_says_why_in_chinese(stream_app):
    with waitress_serving(stream_app) as base_url:
        session_id = start_conversation(base_url)
        with ExitStack() as streams:
            for _ in range(3):
                streams.enter_context(open_stream(base_url, session_id))
            refused = requests.get(f"{base_url}/api/v1/chat/{session_id}/stream", timeout=5)
    assert refused.status_code == 429
    assert refused.json()["error"] == "too_many_streams"
    assert "实时连接" in refused.json()["message"]
    assert refused.headers["Retry-After"]


def test_closed_streams_free_their_slots(stream_app):
    with waitress_serving(stream_app) as base_url:
        session_id = start_conversation(base_url)
        with ExitStack() as streams:
            for _ in range(3):
                next(events_of(streams.enter_context(open_stream(base_url, session_id))))
        deadline = time.monotonic() + 5
        while True:  # waitress notices a hang-up at its next write (a heartbeat)
            with open_stream(base_url, session_id) as response:
                if response.status_code == 200 or time.monotonic() > deadline:
                    break
            time.sleep(0.3)
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("setting", "vary"), [("CHAT_STREAMS_PER_SESSION", "address"), ("CHAT_STREAMS_PER_IP", "session")]
)
def test_streams_are_capped_per_session_and_per_client_address(make_app, setting, vary):
    """Behind one trusted proxy: the client address is the one the proxy saw."""
    app = make_app(
        RASA_URL=closed_port_url(),
        PROXY_HOPS=1,
        CHAT_HEARTBEAT_SECONDS=0.3,
        CHAT_STREAMS_MAX=100,
        **{setting: 2},
    )
    seed(app)
    addresses = ["198.51.100.1", "198.51.100.2", "198.51.100.3"]
    with serving(app) as base_url:
        sessions = [start_conversation(base_url) for _ in range(3)]

        def stream(n: int) -> requests.Response:
            session = sessions[0] if vary == "address" else sessions[n]
            address = addresses[0] if vary == "session" else addresses[n]
            return open_stream(base_url, session, **{"X-Forwarded-For": address})

        first, second, third = stream(0), stream(1), stream(2)
        statuses = [first.status_code, second.status_code, third.status_code]
        next(events_of(first))
        first.close()  # the browser tab went away
        deadline = time.monotonic() + 5
        while True:  # the server notices the hang-up at its next write (a heartbeat)
            fourth = stream(2)
            if fourth.status_code == 200 or time.monotonic() > deadline:
                break
            time.sleep(0.3)
        second.close()
        fourth.close()
    assert statuses == [200, 200, 429]
    assert fourth.status_code == 200


def test_a_stream_ends_after_its_lifetime_and_resumes_without_gaps(make_app):
    app = make_app(RASA_URL=closed_port_url(), CHAT_HEARTBEAT_SECONDS=0.2, CHAT_STREAM_SECONDS=1)
    seed(app)
    with serving(app) as base_url:
        session_id = start_conversation(base_url)
        started = time.monotonic()
        blocks = []
        with open_stream(base_url, session_id) as response:
            for block in events_of(response):
                blocks.append(block)
                if time.monotonic() - started > 6:
                    break
        lasted = time.monotonic() - started
        assert lasted < 5, "the stream did not end by itself"
        assert blocks[0].get("retry")  # the browser reconnects after this many ms
        ids = [int(b["id"]) for b in blocks if b.get("event") == "message"]
        # The browser reconnects with the last id it saw: nothing again, nothing lost.
        requests.post(
            f"{base_url}/api/v1/chat", json={"session_id": session_id, "text": "还有吗？"}, timeout=10
        )
        with open_stream(base_url, session_id, **{"Last-Event-ID": str(ids[-1])}) as response:
            resumed = [
                int(b["id"]) for b in events_of(response) if b.get("event") == "message"
            ]
    assert resumed and min(resumed) == ids[-1] + 1
