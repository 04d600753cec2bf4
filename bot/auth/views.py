"""`/auth/login` and `/auth/logout`."""

from __future__ import annotations

import math
from urllib.parse import urlsplit

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask_wtf.csrf import generate_csrf

from bot.auth import lockout
from bot.auth.accounts import authenticate
from bot.auth.decorators import SESSION_USER, current_user
from bot.auth.nav import links_for
from bot.db import get_db
from bot.models import User
from bot.ratelimit import allow

bp = Blueprint("auth", __name__, url_prefix="/auth")

LOGIN_WINDOW_SECONDS = 300
MAX_NEXT = 2000


def _safe_next(target: str | None) -> str | None:
    """Only same-site paths: a login link must not redirect to another site.

    Browsers drop tabs and newlines from a Location and read ``\\`` as ``/``, so
    ``/\t/evil.example`` would become ``//evil.example``: such characters are refused outright.
    """
    if not target or len(target) > MAX_NEXT or "\\" in target:
        return None
    if any(ord(char) < 0x20 or ord(char) == 0x7F for char in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def _wait_text(seconds: int) -> str:
    return f"{seconds} 秒" if seconds < 120 else f"{math.ceil(seconds / 60)} 分钟"


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
    ip = request.remote_addr or "unknown"  # the real client behind PROXY_HOPS trusted proxies
    headers: dict[str, str] = {}
    db = get_db()
    if not allow(f"login:ip:{ip}", current_app.config["LOGIN_RATE_PER_IP"], LOGIN_WINDOW_SECONDS):
        error, status = "此网络地址登录尝试过于频繁，请 5 分钟后再试。", 429
        headers["Retry-After"] = str(LOGIN_WINDOW_SECONDS)
    elif not username or not password or not username.isprintable():
        error, status = "用户名或密码错误，或账号已停用。", 401
    elif wait := lockout.seconds_locked(db, username):
        error, status = f"该账号登录失败过于频繁，请 {_wait_text(wait)}后再试。", 429
        headers["Retry-After"] = str(wait)
    else:
        user = authenticate(db, username, password)
        if user is not None:
            lockout.clear(db, username)
            db.commit()
            session.clear()
            session.permanent = True  # expires after PERMANENT_SESSION_LIFETIME
            session[SESSION_USER] = user.id
            generate_csrf()  # a fresh token for the new session
            return redirect(next_url or home_url(user))
        lockout.record_failure(db, username)
        db.commit()
        error, status = "用户名或密码错误，或账号已停用。", 401
    return (
        render_template("auth/login.html", next=next_url, error=error, username=username),
        status,
        headers,
    )


@bp.route("/logout", methods=["POST"])
def logout():
    session.clear()
    return redirect(url_for("auth.login"))
