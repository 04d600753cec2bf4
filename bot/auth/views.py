"""`/auth/login` and `/auth/logout`."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, session, url_for

from bot.auth.accounts import authenticate
from bot.auth.csrf import csrf_token
from bot.auth.decorators import SESSION_USER, current_user
from bot.auth.nav import links_for
from bot.db import get_db
from bot.models import User
from bot.ratelimit import allow

bp = Blueprint("auth", __name__, url_prefix="/auth")

LOGIN_LIMIT = 5
LOGIN_WINDOW_SECONDS = 300


def _safe_next(target: str | None) -> str | None:
    """Only same-site paths: a login link must not redirect to another site."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return None


def home_url(user: User) -> str:
    """Where a user lands after login: the first page their role opens."""
    links = links_for(user)
    return links[0]["url"] if links else url_for("auth.login")


@bp.route("/login", methods=["GET", "POST"])
def login():
    next_url = _safe_next(request.values.get("next"))
    if request.method == "GET":
        user = current_user()
        if user is not None:
            return redirect(next_url or home_url(user))
        return render_template("auth/login.html", next=next_url, error=None)

    username = request.form.get("username", "").strip()
    password = request.form.get("password", "")
    ip = request.remote_addr or "unknown"
    if not allow(f"login:{ip}:{username}", LOGIN_LIMIT, LOGIN_WINDOW_SECONDS):
        error, status = "登录尝试过于频繁，请 5 分钟后再试。", 429
    else:
        db = get_db()
        user = authenticate(db, username, password) if username and password else None
        if user is not None:
            db.commit()
            session.clear()
            session.permanent = True  # expires after PERMANENT_SESSION_LIFETIME
            session[SESSION_USER] = user.id
            csrf_token()
            return redirect(next_url or home_url(user))
        error, status = "用户名或密码错误，或账号已停用。", 401
    return (
        render_template("auth/login.html", next=next_url, error=error, username=username),
        status,
    )


@bp.route("/logout", methods=["POST"])
def logout():
    session.clear()
    return redirect(url_for("auth.login"))
