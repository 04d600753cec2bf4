"""Install staff authentication on an app: blueprint, CSRF check, template helpers.

The `users` click group is registered by the app factory with the other commands."""

from __future__ import annotations

from flask import Flask

from bot.auth import csrf, views
from bot.auth.accounts import ROLE_LABELS
from bot.auth.decorators import current_user
from bot.auth.nav import links_for


def init_app(app: Flask) -> None:
    app.register_blueprint(views.bp)
    csrf.init_app(app)
    app.jinja_env.globals.update(
        current_user=current_user,
        nav_links=lambda: links_for(current_user()),
        role_label=lambda role: ROLE_LABELS.get(role, role),
    )
