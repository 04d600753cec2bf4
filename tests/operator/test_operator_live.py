"""The queue updates live: a real HTTP server streams queue events to a logged-in operator."""

from __future__ import annotations

import json
import re
import threading

import pytest
import requests
from auth.helpers import PASSWORD, make_user
from handoff.support import seed
from werkzeug.serving import make_server

from bot.desk import desk
from bot.models import Conversation
from core.db import session_scope

pytestmark = [pytest.mark.timeout(120), pytest.mark.fake_embedder]  # an SSE stream that never ends fails, not hangs


@pytest.mark.parametrize("redis_url", [None, "redis://127.0.0.1:6379/0"], ids=["local", "redis"])
def test_queue_stream_announces_a_new_handoff(make_app, database_url, redis_url):
    # With Redis (production mode) events travel through the local Redis server.
    console_app = make_app(DATABASE_URL=database_url, REDIS_URL=redis_url)
    seed(console_app)
    make_user(console_app, "alice", "operator")
    server = make_server("127.0.0.1", 0, console_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}"
    try:
        browser = requests.Session()
        login_page = browser.get(f"{url}/auth/login", timeout=10).text
        token = re.search(r'name="csrf_token" value="([^"]+)"', login_page).group(1)
        browser.post(
            f"{url}/auth/login",
            data={"username": "alice", "password": PASSWORD, "csrf_token": token},
            timeout=10,
        )
        stream = browser.get(f"{url}/operator/stream", stream=True, timeout=10)
        assert stream.headers["Content-Type"].startswith("text/event-stream")
        lines = stream.iter_lines(decode_unicode=True)
        assert next(lines).startswith("retry:")  # subscribed before anything happens

        with (
            console_app.app_context(),
            session_scope(console_app.extensions["wenzheng.sessions"]) as db,
        ):
            conversation = Conversation(session_id="live-1", channel="web")
            db.add(conversation)
            db.commit()
            handoff, _ = desk().open_handoff(db, conversation, "safety", last_query="紧急求助")

        event = json.loads(next(line for line in lines if line.startswith("data:"))[5:])
        assert event == {
            "type": "handoff",
            "action": "opened",
            "handoff_id": handoff.id,
            "state": "waiting",
        }
        table = browser.get(f"{url}/operator/queue/table?department=all", timeout=10).text
        assert "紧急求助" in table and "安全风险" in table
        stream.close()
    finally:
        server.shutdown()
