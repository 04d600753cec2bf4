"""Synchroniser-token CSRF protection for every form POST of the server-rendered pages.

JSON APIs under /api, /internal and /wechat are exempt: they authenticate each request
with their own tokens or signatures, never with the staff session cookie.
"""

from __future__ import annotations

import hmac
import secrets

from flask import abort, request, session
from markupsafe import Markup, escape

SESSION_KEY = "csrf_token"
FORM_FIELD = "csrf_token"
HEADER = "X-CSRFToken"
EXEMPT_PREFIXES = ("/api/", "/internal/", "/wechat/")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


def csrf_token() -> str:
    """The session's token, created on first use."""
    token = session.get(SESSION_KEY)
    if not token:
        token = secrets.token_urlsafe(32)
        session[SESSION_KEY] = token
    return token


def csrf_field() -> Markup:
    """``{{ csrf_field() }}``: the hidden input every form must carry."""
    return Markup(f'<input type="hidden" name="{FORM_FIELD}" value="{escape(csrf_token())}">')


def check_csrf() -> None:
    """``before_request`` hook: 400 when a state-changing request lacks the session's token."""
    if request.method in SAFE_METHODS or request.path.startswith(EXEMPT_PREFIXES):
        return
    expected = session.get(SESSION_KEY)
    sent = request.headers.get(HEADER) or request.form.get(FORM_FIELD, "")
    if not expected or not hmac.compare_digest(str(expected), str(sent)):
        abort(400, description="页面已过期或请求来源无效，请刷新页面后重试。")
