"""CSRF protection for every form POST of the server-rendered pages: Flask-WTF's CSRFProtect.

Forms carry the signed token in a hidden ``csrf_token`` field (``{{ csrf_field() }}``);
scripts send it in the ``X-CSRFToken`` header, read from ``<meta name="csrf-token">``.
JSON APIs under /api, /internal and /wechat are exempt: they authenticate each request
with their own tokens or signatures, never with the staff session cookie.
"""

from __future__ import annotations

from flask import Flask, abort, request
from flask_wtf.csrf import CSRFError, CSRFProtect, generate_csrf
from markupsafe import Markup, escape

FORM_FIELD = "csrf_token"
EXEMPT_PREFIXES = ("/api/", "/internal/", "/wechat/")
REFUSED = "页面已过期或请求来源无效，请刷新页面后重试。"

_protect = CSRFProtect()


def init_app(app: Flask) -> None:
    app.config.update(
        WTF_CSRF_FIELD_NAME=FORM_FIELD,
        # Checked by path prefix in _check, so a POST to an unknown page is refused too.
        WTF_CSRF_CHECK_DEFAULT=False,
        WTF_CSRF_TIME_LIMIT=None,  # a token is good for as long as the staff session
        # The token is the check; a Referer check would refuse browsers and proxies that
        # strip the Referer or rewrite Host.
        WTF_CSRF_SSL_STRICT=False,
    )
    _protect.init_app(app)  # also makes csrf_token() a Jinja global
    app.before_request(_check)
    app.jinja_env.globals["csrf_field"] = csrf_field


def csrf_field() -> Markup:
    """``{{ csrf_field() }}``: the hidden input every form must carry."""
    return Markup(f'<input type="hidden" name="{FORM_FIELD}" value="{escape(generate_csrf())}">')


def _check() -> None:
    """``before_request``: 400 when a state-changing request lacks the session's token."""
    if request.path.startswith(EXEMPT_PREFIXES):
        return
    try:
        _protect.protect()
    except CSRFError:
        abort(400, description=REFUSED)
