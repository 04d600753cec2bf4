from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from handoff.support import closed_port_url, seed


@pytest.fixture
def handoff_app(make_app, database_url: str) -> Flask:
    app = make_app(DATABASE_URL=database_url, RASA_URL=closed_port_url())
    seed(app)
    return app


@pytest.fixture
def db(handoff_app: Flask) -> Iterator[Session]:
    with handoff_app.app_context():
        session = handoff_app.extensions["wenzheng.sessions"]()
        yield session
        session.close()
