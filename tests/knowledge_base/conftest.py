"""Knowledge-base fixtures: a real database session (SQLite and PostgreSQL), demo paths.

This folder has no ``__init__.py`` on purpose: as a package it would be named
``knowledge_base`` and shadow the real one. Test modules are prefixed ``test_kb_``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from core.db import make_engine, make_session_factory
from core.migrate import upgrade

DEMO = Path(__file__).resolve().parents[2] / "knowledge_base" / "demo"


@pytest.fixture
def demo_dir() -> Path:
    return DEMO


@pytest.fixture
def laws_dir() -> Path:
    return DEMO / "laws"


@pytest.fixture
def session(database_url: str) -> Iterator[Session]:
    engine = make_engine(database_url)
    upgrade(engine)
    db = make_session_factory(engine)()
    try:
        yield db
    finally:
        db.close()
        engine.dispose()


@pytest.fixture
def kb_app(make_app, database_url: str) -> Flask:
    """An app for `kb` commands on SQLite and on PostgreSQL."""
    return make_app(DATABASE_URL=database_url)
