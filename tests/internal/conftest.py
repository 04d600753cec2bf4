from __future__ import annotations

import pytest
from flask import Flask
from handoff.support import closed_port_url, seed

TOKEN = "test-internal-token"


@pytest.fixture
def internal_app(make_app, database_url: str) -> Flask:
    app = make_app(DATABASE_URL=database_url, INTERNAL_TOKEN=TOKEN, RASA_URL=closed_port_url())
    seed(app)
    return app


@pytest.fixture
def api(internal_app: Flask):
    return internal_app.test_client()
