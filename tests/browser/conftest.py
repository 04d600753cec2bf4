"""A live app server and Debian's chromium, for browser tests of every area.

Fixtures: ``live_server`` (the test's ``app`` served by a threaded werkzeug server on a
free 127.0.0.1 port; ``.url``, ``.app``) and ``browser_page`` (a fresh Playwright page
in chromium, screenshotted into test-artifacts/ when the test ends).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import make_server

from bot.config import PROJECT_ROOT

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
ARTIFACTS = PROJECT_ROOT / "test-artifacts"


@dataclass
class LiveServer:
    app: Flask
    url: str


@pytest.fixture
def live_server(app: Flask) -> Iterator[LiveServer]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(app=app, url=f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def chromium():
    if not CHROMIUM.exists():
        pytest.fail("缺少 /usr/bin/chromium：请先运行 `make chromium`（apt-get install chromium）")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def browser_page(chromium, request: pytest.FixtureRequest):
    context = chromium.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()
