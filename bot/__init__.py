"""Wenzheng web app: the answer API, citizen channels, staff and operator consoles.

The factory is built in ``bot.app``; this package imports nothing at import time, so the
Flask-free modules under it (the models, the handoff domain) stay Flask-free when imported.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build one app instance (``flask --app bot`` and gunicorn's ``bot:create_app``)."""
    from bot.app import create_app as build

    return build(test_config)
