"""View guards: who is logged in, and whether their role may use a view.

Anonymous visitors of pages are redirected to the login page; of JSON endpoints they get
401. A logged-in user with the wrong role gets 403. Admins pass every role check.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort, g, redirect, request, session, url_for

from bot.db import get_db
from bot.models import Role, User

F = TypeVar("F", bound=Callable[..., Any])
# Each guarded view carries ``allowed_roles`` (a frozenset of role names) for introspection.
SESSION_USER = "user_id"


def current_user() -> User | None:
    """The logged-in, still active staff member of this request, or None."""
    if "user" not in g:
        user_id = session.get(SESSION_USER)
        user = get_db().get(User, user_id) if user_id is not None else None
        g.user = user if user is not None and user.active else None
    return g.user


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def _deny_anonymous():
    if _wants_json():
        abort(401)
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def login_required(view: F) -> F:
    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any):
        if current_user() is None:
            return _deny_anonymous()
        return view(*args, **kwargs)

    wrapped.allowed_roles = frozenset(Role)  # type: ignore[attr-defined]
    return wrapped  # type: ignore[return-value]


def has_role(user: User | None, *roles: str) -> bool:
    return user is not None and (user.role == Role.ADMIN or user.role in roles)


def role_required(*roles: str) -> Callable[[F], F]:
    """Allow only users holding one of ``roles`` (admins always pass)."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any):
            user = current_user()
            if user is None:
                return _deny_anonymous()
            if not has_role(user, *roles):
                abort(403)
            return view(*args, **kwargs)

        # Declared for the route walk test, which checks every guarded view does this.
        wrapped.allowed_roles = frozenset({*roles, Role.ADMIN})  # type: ignore[attr-defined]
        return wrapped  # type: ignore[return-value]

    return decorator
