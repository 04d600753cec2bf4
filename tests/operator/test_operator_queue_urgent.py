"""Nothing urgent hides behind a department tab; the queue names the question that
triggered the handoff and its reason; every page shows one clock."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from bot.desk import desk
from bot.models import Conversation, Handoff
from core.db import session_scope, utcnow
from knowledge_base.models import AuditEntry

pytestmark = pytest.mark.fake_embedder  # no ranking asserted: no 471 MB model


def open_case(app, session_id: str, query: str, reason: str, department: str, now=None) -> int:
    with app.app_context(), session_scope(app.extensions["wenzheng.sessions"]) as db:
        conversation = Conversation(session_id=session_id, channel="web")
        db.add(conversation)
        db.commit()
        handoff, _ = desk().open_handoff(db, conversation, reason, last_query=query, now=now)
        handoff.department = department
        db.commit()
        return handoff.id


def urgent_section(page: str) -> str:
    match = re.search(r'<section class="urgent-cases".*?</section>', page, re.S)
    return match.group(0) if match else ""


def test_a_safety_case_of_another_department_tops_every_operators_landing(console_app, signed_in):
    open_case(console_app, "sb-1", "养老保险断缴了怎么补", "user_request", "shebao")
    open_case(console_app, "yb-1", "我不想活了，医保也不用报了", "safety", "yibao")
    open_case(console_app, "yb-2", "住院报销要什么材料", "user_request", "yibao")

    page = signed_in("shebao-op", department="shebao").get("/operator/").get_data(as_text=True)

    urgent = urgent_section(page)
    assert "我不想活了" in urgent and "安全风险" in urgent and "医保" in urgent
    assert page.index("我不想活了") < page.index("养老保险断缴了怎么补")
    assert "住院报销要什么材料" not in page  # another department's ordinary case stays there
    # Counts on every tab, and the landing view says what waits elsewhere.
    assert re.search(r"全部 <span class=\"count\">3</span>", page)
    assert re.search(r"社保 <span class=\"count\">1</span>", page)
    assert re.search(r"医保 <span class=\"count\">2</span>", page)
    elsewhere = re.search(r'<p class="elsewhere".*?</p>', page, re.S).group(0)
    assert "2" in elsewhere and "医保" in elsewhere


def test_an_overdue_case_is_urgent_for_everyone_and_listed_once(console_app, signed_in):
    long_ago = utcnow() - timedelta(days=10)
    open_case(console_app, "gj-1", "公积金提取到账了吗", "user_request", "gongjijin", now=long_ago)

    page = signed_in("huji-op", department="huji").get("/operator/").get_data(as_text=True)
    assert "公积金提取到账了吗" in urgent_section(page) and "已超时" in urgent_section(page)
    all_tab = signed_in("any-op", department="huji").get("/operator/?department=all")
    assert all_tab.get_data(as_text=True).count("公积金提取到账了吗") == 1


def test_an_empty_own_queue_says_what_waits_elsewhere(console_app, signed_in):
    open_case(console_app, "hj-1", "户口迁移要什么材料", "low_confidence", "huji")
    page = signed_in("tax-op", department="shuiwu").get("/operator/").get_data(as_text=True)
    assert "队列为空" in page
    assert "其他部门还有" in page and "户籍" in page


def test_the_queue_and_the_page_show_the_triggering_question_and_reason(console_app, signed_in):
    handoff_id = open_case(console_app, "t-1", "那灵活就业的怎么交？", "unhelpful", "shebao")
    client = signed_in("op", department="shebao")

    row = re.search(rf'data-handoff-id="{handoff_id}".*?</tr>', client.get("/operator/").get_data(as_text=True), re.S)
    assert "那灵活就业的怎么交？" in row.group(0) and "回答无帮助" in row.group(0)
    page = client.get(f"/operator/handoffs/{handoff_id}").get_data(as_text=True)
    assert "触发转人工的问题" in page and "那灵活就业的怎么交？" in page and "回答无帮助" in page


def test_the_same_moment_reads_the_same_on_the_staff_console_and_the_operator_pages(
    console_app, signed_in
):
    moment = datetime(2026, 3, 2, 1, 15, tzinfo=timezone.utc)  # 09:15 in Beijing
    handoff_id = open_case(console_app, "clock-1", "社保卡补办", "user_request", "shebao", now=moment)
    with session_scope(console_app.extensions["wenzheng.sessions"]) as db:
        db.add(AuditEntry(at=moment, actor="ed", action="create", external_id="faq-clock",
                          item_id=None, detail={}))
        db.commit()
        assert db.scalar(select(Handoff.id).where(Handoff.id == handoff_id))

    operator_page = signed_in("root", "admin").get(f"/operator/handoffs/{handoff_id}")
    audit_page = signed_in("root2", "admin").get("/console/audit")

    assert "03-02 09:15" in operator_page.get_data(as_text=True)
    assert "2026-03-02 09:15:00" in audit_page.get_data(as_text=True)
    assert "01:15" not in audit_page.get_data(as_text=True)


def test_deadlines_carry_their_date(console_app, signed_in):
    open_case(console_app, "due-1", "个税怎么退", "user_request", "shuiwu")
    page = signed_in("tax", department="shuiwu").get("/operator/").get_data(as_text=True)
    assert re.search(r"首响 \d\d-\d\d \d\d:\d\d 前", page)


def test_the_audit_date_filter_uses_the_display_zones_days(console_app, signed_in):
    late_evening_utc = datetime(2026, 3, 1, 17, 0, tzinfo=timezone.utc)  # 03-02 01:00 Beijing
    with session_scope(console_app.extensions["wenzheng.sessions"]) as db:
        db.add(AuditEntry(at=late_evening_utc, actor="ed", action="create",
                          external_id="faq-midnight", item_id=None, detail={}))
        db.commit()
    client = signed_in("root", "admin")

    on_the_2nd = client.get("/console/audit?since=2026-03-02&until=2026-03-02")
    on_the_1st = client.get("/console/audit?since=2026-03-01&until=2026-03-01")

    assert "faq-midnight" in on_the_2nd.get_data(as_text=True)
    assert "faq-midnight" not in on_the_1st.get_data(as_text=True)
