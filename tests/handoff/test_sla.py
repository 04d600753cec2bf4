"""Response-time limits with a controllable clock (Asia/Shanghai service hours)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.desk import desk
from bot.handoff import watch
from bot.handoff.departments import WEEKDAY_HOURS
from bot.handoff.queue import queue_rows
from bot.handoff.sla import ServiceHours, evaluate
from core.organisation import Department
from handoff.support import add_conversation, add_operator
from knowledge_base.models import AuditEntry

pytestmark = pytest.mark.fake_embedder  # no ranking asserted: no 471 MB model

SHANGHAI = ZoneInfo("Asia/Shanghai")
HOURS = ServiceHours.from_config(WEEKDAY_HOURS)


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


def test_open_on_weekday_office_hours_only():
    assert HOURS.is_open(local(2026, 11, 30, 9, 0))  # Monday
    assert HOURS.is_open(local(2026, 11, 27, 17, 59))  # Friday
    assert not HOURS.is_open(local(2026, 11, 27, 18, 0))
    assert not HOURS.is_open(local(2026, 11, 28, 11, 0))  # Saturday
    assert not HOURS.is_open(local(2026, 12, 1, 8, 59))


def test_next_opening_after_the_weekend_and_holidays():
    assert HOURS.next_opening(local(2026, 11, 28, 11, 0)) == local(2026, 11, 30, 9, 0)
    assert HOURS.next_opening(local(2026, 12, 1, 20, 0)) == local(2026, 12, 2, 9, 0)
    holiday = ServiceHours.from_config({**WEEKDAY_HOURS, "closed_dates": ["2026-11-30"]})
    assert holiday.next_opening(local(2026, 11, 28, 11, 0)) == local(2026, 12, 1, 9, 0)
    assert ServiceHours.from_config({}).is_open(local(2026, 11, 28, 3, 0))  # around the clock


def test_targets_count_service_minutes_only():
    friday_evening = local(2026, 11, 27, 17, 55)
    assert HOURS.add_service_minutes(friday_evening, 10) == local(2026, 11, 30, 9, 5)
    saturday = local(2026, 11, 28, 11, 0)
    assert HOURS.add_service_minutes(saturday, 120) == local(2026, 11, 30, 11, 0)
    assert HOURS.describe() == "周一至周五 09:00–18:00"


def test_citizen_is_told_when_someone_will_answer(db):
    conversation = add_conversation(db, "s-night")
    handoff, _ = desk().open_handoff(db, conversation, "user_request", last_query="公积金提取")

    at_night = desk().citizen_notice(db, handoff, now=local(2026, 11, 28, 22, 0))
    in_hours = desk().citizen_notice(db, handoff, now=local(2026, 11, 30, 10, 0))

    assert "非工作时间" in at_night and "11月30日（周一）09:00" in at_night
    assert "周一至周五 09:00–18:00" in at_night
    assert "10 分钟内" in in_hours and "公积金" in in_hours


def test_notice_without_a_department_names_the_service_once(db):
    conversation = add_conversation(db, "s-nodept")
    handoff, _ = desk().open_handoff(db, conversation, "user_request")
    handoff.department = None  # no department set up yet
    db.commit()

    notice = desk().citizen_notice(db, handoff, now=local(2026, 11, 28, 22, 0))

    assert notice == "已为您转接人工客服，工作人员将在 10 分钟内回复，请稍候。"


def test_overdue_is_flagged_then_escalated_once(db, handoff_app):
    conversation = add_conversation(db, "s-late")
    opened = local(2026, 11, 30, 10, 0)
    handoff, _ = desk().open_handoff(
        db, conversation, "user_request", last_query="社保卡", now=opened
    )
    department = db.scalar(select(Department).where(Department.code == "shebao"))

    assert not evaluate(handoff, department, opened + timedelta(minutes=9))["overdue"]
    late = opened + timedelta(minutes=11)
    status = evaluate(handoff, department, late)
    assert status["first_response_overdue"] and not status["resolution_overdue"]
    assert queue_rows(db, late)[0]["sla"]["overdue"]

    assert watch.escalate_overdue(desk(), db, opened + timedelta(minutes=9)) == []
    assert [h.id for h in watch.escalate_overdue(desk(), db, late)] == [handoff.id]
    assert watch.escalate_overdue(desk(), db, late + timedelta(minutes=5)) == []  # only once
    db.refresh(handoff)
    assert handoff.escalated_at is not None
    audit = db.scalar(select(AuditEntry).where(AuditEntry.action == "handoff_escalated"))
    assert "首次响应超时" in audit.comment


def test_a_timely_reply_keeps_the_first_response_target(db):
    conversation = add_conversation(db, "s-ontime")
    alice = add_operator(db, "alice")
    opened = local(2026, 11, 30, 10, 0)
    handoff, _ = desk().open_handoff(
        db, conversation, "user_request", last_query="社保", now=opened
    )
    desk().claim(db, handoff.id, alice, now=opened + timedelta(minutes=2))
    desk().reply(db, handoff.id, alice, "您好", now=opened + timedelta(minutes=3))

    assert watch.escalate_overdue(desk(), db, opened + timedelta(minutes=30)) == []
    resolution_late = opened + timedelta(minutes=121)
    assert [h.id for h in watch.escalate_overdue(desk(), db, resolution_late)] == [handoff.id]


def test_weekend_questions_are_not_overdue_before_monday(db):
    conversation = add_conversation(db, "s-weekend")
    saturday = local(2026, 11, 28, 11, 0)
    desk().open_handoff(db, conversation, "user_request", last_query="个税", now=saturday)

    assert watch.escalate_overdue(desk(), db, local(2026, 11, 30, 9, 5)) == []
    assert len(watch.escalate_overdue(desk(), db, local(2026, 11, 30, 9, 11))) == 1


def test_check_sla_command(handoff_app, db):
    conversation = add_conversation(db, "s-cli")
    desk().open_handoff(
        db, conversation, "user_request", now=datetime(2020, 1, 6, 2, 0, tzinfo=timezone.utc)
    )
    result = handoff_app.test_cli_runner().invoke(args=["handoffs", "check-sla"])
    assert result.exit_code == 0
    assert "已督办 1 个超时会话" in result.output
