"""Operator console fixtures: an app on SQLite and PostgreSQL with the demo departments.

This folder has no ``__init__.py`` on purpose: as a package it would be named ``operator``
and clash with the standard library's. Test modules are prefixed ``test_operator_``.
"""

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
