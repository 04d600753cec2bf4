"""An app with the retrieval test KB imported, published and indexed."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

from bot.config import PROJECT_ROOT
from core.db import session_scope
from knowledge_base.importer import import_path
from retrieval.config import PipelineConfig

KB = Path(__file__).parent / "kb"


def load_kb(app: Flask) -> None:
    with session_scope(app.extensions["wenzheng.sessions"]) as session:
        import_path(session, KB, actor="test", publish=True)
    app.extensions["wenzheng.retrieval"].rebuild(wait=True)


@pytest.fixture(scope="session")
def shipped() -> PipelineConfig:
    """The pipeline settings the app runs with (retrieval/pipeline.yml and its fitted file)."""
    return PipelineConfig.from_yaml(PROJECT_ROOT / "retrieval" / "pipeline.yml")


@pytest.fixture
def kb_app(make_app, database_url: str) -> Flask:
    app = make_app(DATABASE_URL=database_url)
    load_kb(app)
    return app


@pytest.fixture
def kb_client(kb_app: Flask):
    return kb_app.test_client()
