"""Fixtures of the content and data security tests (issue 14), reused from other areas:
the fake WeChat server and the operator console (Chromium comes from tests/fixtures/browser.py)."""

from __future__ import annotations

from tests.operator.conftest import console_app, signed_in  # noqa: F401
from tests.wechat.conftest import fake_wechat, wechat_app, wechat_settings  # noqa: F401
