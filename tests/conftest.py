"""Shared fixtures: app instances on a throw-away WENZHENG_HOME, SQLite or PostgreSQL."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from bot import create_app
from bot.config import PROJECT_ROOT
from core.db import make_engine, make_session_factory
from core.migrate import upgrade
from retrieval.embedder import Embedder
from tests.fakes.embedder import HashingEmbedder
from tests.fixtures.postgres import new_database

# live_stack / live_app: the real app, Rasa and action server processes (tests/fixtures/stack.py);
# live_server / chromium / browser_page: browser tests (tests/fixtures/browser.py).
pytest_plugins = ["tests.fixtures.stack", "tests.fixtures.browser"]

MODEL_DIR = Path(
    os.environ.get(
        "WENZHENG_TEST_MODEL_DIR", PROJECT_ROOT / "var" / "models" / "multilingual-e5-small"
    )
)


# The first integration test of a session pays for the stack's set-up: training the Rasa model
# (up to 900 s, bench/stack.py) and starting the three processes (WENZHENG_TEST_START_TIMEOUT).
INTEGRATION_TIMEOUT = 1500


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Integration tests without their own ``timeout`` mark get ``INTEGRATION_TIMEOUT``."""
    for item in items:
        if item.get_closest_marker("integration") and not item.get_closest_marker("timeout"):
            item.add_marker(pytest.mark.timeout(INTEGRATION_TIMEOUT))


@pytest.fixture(scope="session")
def model_dir() -> Path:
    """The offline embedding model, built once by `make model`."""
    if not (MODEL_DIR / "config.json").exists():
        from tools.e5convert.folder import build_model

        build_model(MODEL_DIR)
    return MODEL_DIR


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh, empty database on the local PostgreSQL server, dropped afterwards."""
    with new_database() as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Run a test once on the embedded SQLite and once on the local PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'wenzheng.db'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def db(database_url: str) -> Iterator[Session]:
    """A session on a fresh schema of ``database_url`` (both storage modes), no app."""
    engine = make_engine(database_url)
    upgrade(engine)
    session = make_session_factory(engine)()
    yield session
    session.close()
    engine.dispose()


@pytest.fixture(scope="session")
def embedding_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Passage vectors shared by every test app: each text is encoded once per run."""
    return tmp_path_factory.mktemp("embeddings")


@pytest.fixture
def app_embedder(request: pytest.FixtureRequest) -> Embedder | None:
    """What the test apps embed with: the real model (None), or, for tests marked
    ``fake_embedder`` (results that do not depend on ranking), the small hashing fake."""
    return HashingEmbedder() if request.node.get_closest_marker("fake_embedder") else None


@pytest.fixture
def make_app(tmp_path: Path, model_dir: Path, embedding_cache: Path, app_embedder: Embedder | None):
    """Factory for app instances sharing the built model, each on its own home folder."""

    def _make(**overrides) -> Flask:
        config = {
            "TESTING": True,
            "HOME": str(tmp_path / "home"),
            "EMBEDDING_MODEL": str(model_dir),
            "EMBEDDING_CACHE": str(embedding_cache),
            # Not the development defaults: PostgreSQL runs are production mode, which
            # refuses those (wire.production).
            "SECRET_KEY": "test-secret-key-for-pytest",
            "INTERNAL_TOKEN": "test-internal-token",
            "RASA_TOKEN": "test-rasa-token-for-pytest",
            **overrides,
        }
        app = create_app(config)
        if app_embedder is not None:  # before anything is embedded: the model is never loaded
            app.extensions["wenzheng.retrieval"].embedder = app_embedder
        return app

    return _make


@pytest.fixture
def app(make_app) -> Flask:
    return make_app()


@pytest.fixture
def client(app: Flask):
    return app.test_client()
