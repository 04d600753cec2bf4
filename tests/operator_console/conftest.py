from __future__ import annotations

import pytest
from auth.helpers import login, make_user
from flask import Flask
from flask.testing import FlaskClient
from handoff.support import closed_port_url, seed


@pytest.fixture
def console_app(make_app, database_url: str) -> Flask:
    app = make_app(DATABASE_URL=database_url, RASA_URL=closed_port_url())
    seed(app)
    return app


@pytest.fixture
def signed_in(console_app: Flask):
    """``signed_in(username, role, department)`` → a logged-in test client."""

    def _client(
        username: str, role: str = "operator", department: str | None = None
    ) -> FlaskClient:
        make_user(console_app, username, role, department)
        client = console_app.test_client()
        assert login(client, username).status_code == 302
        return client

    return _client
