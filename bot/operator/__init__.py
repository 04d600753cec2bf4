"""The operator console (/operator): queue, transcripts, replies, review, canned replies."""

from __future__ import annotations

from flask import Flask

from bot.auth.nav import register_nav_link
from bot.models import Role


def init_app(app: Flask) -> None:
    from bot.operator import canned, review, views

    for blueprint in (views.bp, review.bp, canned.bp):
        app.register_blueprint(blueprint)
    register_nav_link(app, "operator.queue", "人工队列", Role.OPERATOR)
    register_nav_link(app, "operator_review.search", "会话回查", Role.OPERATOR)
    register_nav_link(app, "operator_review.escalations", "督办", Role.ADMIN)
    register_nav_link(app, "operator_canned.index", "快捷回复", Role.ADMIN)
