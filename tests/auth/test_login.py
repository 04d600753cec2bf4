"""Logging in and out, rate limits, session expiry, deactivated accounts, CSRF."""

from __future__ import annotations

import time

import pytest
from flask import Blueprint

from auth.helpers import PASSWORD, csrf_of, login, make_user
from bot.auth import login_required, role_required
from bot.auth.accounts import set_active
from core.db import session_scope

pytestmark = pytest.mark.fake_embedder  # no ranking asserted: no 471 MB model


def _add_probe_routes(app) -> None:
    """Two tiny guarded views, so the guards are tested independently of the console."""
    bp = Blueprint("probe", __name__)

    @bp.route("/probe/any", methods=["GET", "POST"])
    @login_required
    def any_staff():
        return "ok"

    @bp.route("/probe/review")
    @role_required("reviewer")
    def review_only():
        return "ok"

    app.register_blueprint(bp)


def test_login_with_right_password_opens_a_session(app):
    _add_probe_routes(app)
    make_user(app, "zhang", "editor")
    client = app.test_client()
    assert client.get("/probe/any").status_code == 302
    response = login(client, "zhang")
    assert response.status_code == 302
    assert client.get("/probe/any").text == "ok"


def test_wrong_password_is_refused_with_a_chinese_message(app):
    make_user(app, "zhang", "editor")
    client = app.test_client()
    response = login(client, "zhang", "wrong-password")
    assert response.status_code == 401
    assert "用户名或密码错误" in response.text


def test_anonymous_page_visit_redirects_to_login_and_back(app):
    _add_probe_routes(app)
    make_user(app, "zhang", "editor")
    client = app.test_client()
    response = client.get("/probe/any")
    assert response.status_code == 302
    assert "/auth/login?next=/probe/any" in response.headers["Location"]
    client.get("/auth/login")
    response = client.post(
        "/auth/login",
        data={"username": "zhang", "password": PASSWORD, "next": "/probe/any",
              "csrf_token": csrf_of(client)},
    )
    assert response.headers["Location"] == "/probe/any"


def test_login_never_redirects_to_another_site(app):
    make_user(app, "zhang", "editor")
    client = app.test_client()
    client.get("/auth/login")
    response = client.post(
        "/auth/login",
        data={"username": "zhang", "password": PASSWORD, "next": "//evil.example/",
              "csrf_token": csrf_of(client)},
    )
    assert "evil.example" not in response.headers["Location"]


def test_role_guard_gives_403_to_other_roles_and_lets_admins_through(app):
    _add_probe_routes(app)
    for name, role in [("ed", "editor"), ("rev", "reviewer"), ("boss", "admin")]:
        make_user(app, name, role)
    expected = {"ed": 403, "rev": 200, "boss": 200}
    for name, status in expected.items():
        client = app.test_client()
        login(client, name)
        assert client.get("/probe/review").status_code == status, name


def test_sixth_attempt_within_five_minutes_is_rate_limited(app):
    make_user(app, "zhang", "editor")
    client = app.test_client()
    for _ in range(5):
        assert login(client, "zhang", "guess-guess").status_code == 401
    response = login(client, "zhang")  # even the right password waits now
    assert response.status_code == 429
    assert "过于频繁" in response.text


def test_session_expires_after_its_lifetime(make_app):
    app = make_app(PERMANENT_SESSION_LIFETIME=1)
    _add_probe_routes(app)
    make_user(app, "zhang", "editor")
    client = app.test_client()
    login(client, "zhang")
    assert client.get("/probe/any").status_code == 200
    time.sleep(2.1)
    assert client.get("/probe/any").status_code == 302


def test_deactivated_user_loses_an_open_session_and_cannot_log_in(app):
    _add_probe_routes(app)
    make_user(app, "zhang", "editor")
    client = app.test_client()
    login(client, "zhang")
    with session_scope(app.extensions["wenzheng.sessions"]) as db:
        set_active(db, "zhang", False)
    assert client.get("/probe/any").status_code == 302
    assert login(client, "zhang").status_code == 401


def test_logout_ends_the_session(app):
    _add_probe_routes(app)
    make_user(app, "zhang", "editor")
    client = app.test_client()
    login(client, "zhang")
    client.post("/auth/logout", data={"csrf_token": csrf_of(client)})
    assert client.get("/probe/any").status_code == 302


def test_form_post_without_the_csrf_token_is_rejected(app):
    _add_probe_routes(app)
    make_user(app, "zhang", "editor")
    client = app.test_client()
    login(client, "zhang")
    assert client.post("/probe/any", data={}).status_code == 400
    assert client.post("/probe/any", data={"csrf_token": "forged"}).status_code == 400
    assert client.post("/probe/any", data={"csrf_token": csrf_of(client)}).text == "ok"
    headers = {"X-CSRFToken": csrf_of(client)}
    assert client.post("/probe/any", headers=headers).text == "ok"


def test_json_apis_are_exempt_from_csrf(app):
    # No session at all: the API answers with its own error, not the CSRF 400 page.
    response = app.test_client().post("/api/v1/no-such-endpoint", json={})
    assert response.status_code == 404


def test_login_page_shows_no_navigation_to_anonymous_visitors(client):
    page = client.get("/auth/login").text
    assert "工作人员登录" in page
    assert "退出" not in page
