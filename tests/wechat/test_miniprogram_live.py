"""First open, for real: the mini-program's own page code (under Node, with ``wx.request``
over HTTP and WeChat DevTools' failing ``wx.login`` of the tourist AppID) logs in to a
running server in development log-in mode and chats."""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from bot.config import PROJECT_ROOT
from bot.models import Conversation
from core.db import session_scope
from tests.wechat.conftest import closed_port_url

DRIVER = PROJECT_ROOT / "miniprogram" / "tests" / "support" / "drive-live.js"

pytestmark = [pytest.mark.skipif(shutil.which("node") is None, reason="needs Node (make setup)"), pytest.mark.fake_embedder]


@pytest.fixture
def dev_server(make_app, tmp_path) -> Iterator[tuple[object, str]]:
    """The app on SQLite as ``make run`` starts it, with WECHAT_DEV_LOGIN and no AppID."""
    app = make_app(
        DATABASE_URL=f"sqlite:///{tmp_path / 'dev.db'}",
        WECHAT_DEV_LOGIN=True,
        RASA_URL=closed_port_url(),
        RASA_TIMEOUT=2.0,
    )
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    app.extensions["wenzheng.wechat"].shutdown()


def drive(url: str, question: str) -> dict:
    done = subprocess.run(
        ["node", str(DRIVER), url, question], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_devtools_first_open_logs_in_and_chats(dev_server):
    app, url = dev_server
    shown = drive(url, "居住证怎么办理？")
    assert shown["ready"] is True, shown["error"]
    assert shown["messages"][0] == {"role": "user", "text": "居住证怎么办理？", "buttons": []}
    # Rasa is not running here: the stored apology, with a 转人工 that works without it.
    assert shown["messages"][1]["role"] == "system"
    assert "转人工" in shown["messages"][1]["buttons"]
    with session_scope(app.extensions["wenzheng.sessions"]) as db:
        conversation = db.scalar(select(Conversation))
        assert conversation.channel == "miniprogram"
        assert conversation.citizen_ref.startswith("dev-")
        assert conversation.session_id == shown["session"]


def test_without_an_appid_or_development_log_in_the_page_says_what_to_do(make_app, tmp_path):
    app = make_app(DATABASE_URL=f"sqlite:///{tmp_path / 'x.db'}", WECHAT_API_BASE=closed_port_url())
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        shown = drive(f"http://127.0.0.1:{server.server_port}", "你好")
    finally:
        server.shutdown()
    assert shown["ready"] is False
    assert "WENZHENG_WECHAT_DEV_LOGIN=1" in shown["error"]
    assert shown["error"].endswith("请检查网络后点击“重试”。")  # after the automatic retries
