"""Staff accounts and logged-in test clients, shared by the auth, console and browser tests."""

from __future__ import annotations

from flask import Flask, session
from flask.testing import FlaskClient
from flask_wtf.csrf import generate_csrf

from bot.auth.accounts import create_user
from core.db import session_scope

PASSWORD = "correct-horse-42"


def make_user(app: Flask, username: str, role: str, department: str | None = None) -> None:
    with session_scope(app.extensions["wenzheng.sessions"]) as db:
        create_user(db, username, role, PASSWORD, department=department)


def csrf_of(client: FlaskClient) -> str:
    """The signed CSRF token of the client's session (a page must have been rendered)."""
    with client.session_transaction() as stored:
        raw = stored["csrf_token"]
    with client.application.test_request_context():
        session["csrf_token"] = raw
        return generate_csrf()


def login(client: FlaskClient, username: str, password: str = PASSWORD):
    """Log in through the real login form; returns the response."""
    client.get("/auth/login")
    return client.post(
        "/auth/login",
        data={"username": username, "password": password, "csrf_token": csrf_of(client)},
    )


def logged_in(app: Flask, username: str, role: str) -> FlaskClient:
    """A new client logged in as a new user of ``role``."""
    make_user(app, username, role)
    client = app.test_client()
    assert login(client, username).status_code == 302
    return client
