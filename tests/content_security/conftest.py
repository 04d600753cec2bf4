"""Fixtures of the content and data security tests (issue 14): a KB session on both stores."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session

from knowledge_base.db import create_schema, make_engine, make_session_factory

# Fixtures of other areas these tests reuse: Chromium on a live server, the fake WeChat.
from tests.browser.conftest import browser_page, chromium, live_server  # noqa: F401
from tests.operator_console.conftest import console_app, signed_in  # noqa: F401
from tests.wechat.conftest import fake_wechat, wechat_app, wechat_settings  # noqa: F401


@pytest.fixture
def db(database_url: str) -> Iterator[Session]:
    engine = make_engine(database_url)
    create_schema(engine)
    session = make_session_factory(engine)()
    yield session
    session.close()
    engine.dispose()
