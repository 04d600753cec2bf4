"""An app with the retrieval test KB imported, published and indexed."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

from core.db import session_scope
from knowledge_base.importer import import_path

KB = Path(__file__).parent / "kb"


def load_kb(app: Flask) -> None:
    with session_scope(app.extensions["wenzheng.sessions"]) as session:
        import_path(session, KB, actor="test", publish=True)
    app.extensions["wenzheng.retrieval"].rebuild(wait=True)


@pytest.fixture
def kb_app(make_app, database_url: str) -> Flask:
    app = make_app(DATABASE_URL=database_url)
    load_kb(app)
    return app


@pytest.fixture
def kb_client(kb_app: Flask):
    return kb_app.test_client()
