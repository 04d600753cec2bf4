from __future__ import annotations

import socket
import time
from collections.abc import Callable, Iterator

import pytest
from flask import Flask

from tests.fakes.wechat_server import FakeWeChat
from tests.fixtures.stack import WECHAT_AES_KEY, WECHAT_TOKEN


@pytest.fixture
def fake_wechat() -> Iterator[FakeWeChat]:
    fake = FakeWeChat()
    fake.start()
    yield fake
    fake.stop()


def wait_until(predicate: Callable[[], object], timeout: float = 10.0) -> object:
    """Poll until ``predicate`` is truthy (the worker answers asynchronously)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {predicate}")


TOKEN, AES_KEY = WECHAT_TOKEN, WECHAT_AES_KEY  # the test account, the same as live_stack's


def closed_port_url() -> str:
    """A URL nothing listens on: Rasa is "down" for tests that do not need it."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture
def wechat_settings(fake_wechat: FakeWeChat) -> dict[str, object]:
    return {
        "WECHAT_APPID": fake_wechat.appid,
        "WECHAT_SECRET": fake_wechat.secret,
        "WECHAT_TOKEN": TOKEN,
        "WECHAT_ENCODING_AES_KEY": AES_KEY,
        "WECHAT_API_BASE": fake_wechat.base_url,
        "RASA_URL": closed_port_url(),
        "RASA_TIMEOUT": 2.0,
    }


@pytest.fixture
def wechat_app(make_app, wechat_settings, database_url) -> Iterator[Flask]:
    """The app on SQLite and on PostgreSQL, talking to the fake WeChat server."""
    app = make_app(DATABASE_URL=database_url, **wechat_settings)
    yield app
    app.extensions["wenzheng.wechat"].shutdown()
    app.extensions["wenzheng.engine"].dispose()
