"""Helpers shared by the browser tests of the staff pages."""

from __future__ import annotations

from auth.helpers import PASSWORD


def log_in(page, url: str, username: str) -> None:
    """Log in through the real login form of the app at ``url``."""
    page.goto(f"{url}/auth/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
