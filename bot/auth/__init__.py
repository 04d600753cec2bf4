"""Staff authentication: accounts, login sessions, role checks and CSRF protection.

Other areas import the decorators and ``current_user`` from here; the app factory
calls ``init_app`` once to install the blueprint, the CSRF check and the Jinja helpers.
"""

from __future__ import annotations

from bot.auth.csrf import csrf_field
from bot.auth.decorators import current_user, login_required, role_required
from bot.auth.setup import init_app

__all__ = [
    "csrf_field",
    "current_user",
    "init_app",
    "login_required",
    "role_required",
]
