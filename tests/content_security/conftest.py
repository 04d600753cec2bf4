"""Fixtures of the content and data security tests (issue 14), reused from other areas:
Chromium on a live server, the fake WeChat server, the operator console."""

from __future__ import annotations

from tests.browser.conftest import browser_page, chromium, live_server  # noqa: F401
from tests.operator_console.conftest import console_app, signed_in  # noqa: F401
from tests.wechat.conftest import fake_wechat, wechat_app, wechat_settings  # noqa: F401
