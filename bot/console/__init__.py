"""The staff console (/console): curate, review and publish the knowledge base, audit it,
test what the bot would answer, and close the loop from unanswered questions."""

from __future__ import annotations

from flask import Flask

from bot.auth.nav import register_nav_link
from bot.console.blueprint import CURATORS, EDITORS, bp
from bot.models import Role


def init_app(app: Flask) -> None:
    # The view modules attach their routes to ``bp`` when imported.
    from bot.console import (  # noqa: F401
        audit,
        dashboard,
        gaps,
        items,
        testpanel,
        transfer,
        users,
    )

    app.register_blueprint(bp)
    register_nav_link(app, "console.dashboard", "概览", *CURATORS)
    register_nav_link(app, "console.item_list", "知识库", *CURATORS)
    register_nav_link(app, "console.review_queue", "待审核", Role.REVIEWER)
    register_nav_link(app, "console.test_panel", "命中测试", *CURATORS)
    register_nav_link(app, "console.gap_list", "知识缺口", *CURATORS)
    register_nav_link(app, "console.transfer", "导入导出", *EDITORS)
    register_nav_link(app, "console.audit_log", "审计日志", *CURATORS)
    register_nav_link(app, "console.user_list", "账号管理", Role.ADMIN)
