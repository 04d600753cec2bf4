"""The navigation bar of the staff pages: each area registers its links with the roles
that may use them, and ``base.html`` shows a user only the links their role opens."""

from __future__ import annotations

from typing import TypedDict

from flask import Flask, current_app, url_for

from bot.auth.decorators import has_role
from bot.models import User

EXTENSION = "wenzheng.nav"


class NavLink(TypedDict):
    endpoint: str
    label: str
    roles: tuple[str, ...]


class ShownLink(TypedDict):
    endpoint: str
    label: str
    url: str


def register_nav_link(app: Flask, endpoint: str, label: str, *roles: str) -> None:
    """Add a link to the staff navigation, shown to ``roles`` (and admins)."""
    app.extensions.setdefault(EXTENSION, []).append(
        NavLink(endpoint=endpoint, label=label, roles=roles)
    )


def links_for(user: User | None) -> list[ShownLink]:
    """The links ``user`` may follow, in registration order."""
    if user is None:
        return []
    return [
        ShownLink(endpoint=link["endpoint"], label=link["label"], url=url_for(link["endpoint"]))
        for link in current_app.extensions.get(EXTENSION, [])
        if link["endpoint"] in current_app.view_functions and has_role(user, *link["roles"])
    ]
