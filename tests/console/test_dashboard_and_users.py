"""The dashboard's figures and charts, and account administration on the web."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from auth.helpers import csrf_of, logged_in, login

from bot.models import QueryLog
from core.db import session_scope, utcnow

pytestmark = pytest.mark.fake_embedder  # no ranking asserted: no 471 MB model


def test_dashboard_counts_decisions_and_helpfulness_with_local_svg_charts(app):
    with session_scope(app.extensions["wenzheng.sessions"]) as db:
        for n, (decision, helpful, handed_off) in enumerate([
            ("answer", True, False), ("answer", True, False), ("answer", False, False),
            ("clarify", None, False), ("handoff", None, True),
        ]):
            db.add(QueryLog(query=f"公积金怎么提取{n}", decision=decision, confidence=0.8,
                            helpful=helpful, handed_off=handed_off, top_source_id="faq-gjj",
                            created_at=utcnow() - timedelta(days=n)))
        db.add(QueryLog(query="很久以前的问题", decision="answer", confidence=0.9,
                        created_at=utcnow() - timedelta(days=200)))
    page = logged_in(app, "rev", "reviewer").get("/console/").text
    assert '<strong id="total-questions">5</strong>' in page
    assert '<strong id="helpful-rate">67%</strong>' in page  # 2 of 3 ratings
    assert page.count("<svg") == 4
    assert "直接回答：3" in page and "转人工：1" in page and "澄清：1" in page
    assert not re.search(r'(src|href)="(https?:)?//', page)  # nothing from another site


def test_admin_creates_accounts_on_the_web_and_cannot_lock_themselves_out(app):
    admin = logged_in(app, "boss", "admin")
    admin.get("/console/users")
    token = csrf_of(admin)
    response = admin.post("/console/users", data={
        "csrf_token": token, "username": "xiaoli", "role": "reviewer", "password": "long-enough-9"})
    assert response.status_code == 302
    assert login(app.test_client(), "xiaoli", "long-enough-9").status_code == 302

    duplicate = admin.post("/console/users", data={
        "csrf_token": token, "username": "xiaoli", "role": "editor", "password": "long-enough-9"})
    assert duplicate.status_code == 400 and "用户名已存在" in duplicate.text
    own = admin.post("/console/users/boss", data={"csrf_token": token, "active": "0"})
    assert own.status_code == 400 and "不能修改自己" in own.text

    admin.post("/console/users/xiaoli", data={"csrf_token": token, "active": "0"})
    assert login(app.test_client(), "xiaoli", "long-enough-9").status_code == 401
