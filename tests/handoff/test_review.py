"""Searching handled conversations, exporting them, and the per-team figures."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime, timedelta, timezone

from bot.desk import desk
from bot.handoff import review
from bot.handoff.review import ReviewFilters
from handoff.support import add_conversation, add_operator

MONDAY_10AM = datetime(2026, 11, 30, 2, 0, tzinfo=timezone.utc)


def _handled(db, session_id, query, operator, reason="user_request", rating=None, minutes=5):
    conversation = add_conversation(db, session_id)
    handoff, _ = desk().open_handoff(db, conversation, reason, last_query=query, now=MONDAY_10AM)
    desk().claim(db, handoff.id, operator, now=MONDAY_10AM + timedelta(minutes=1))
    desk().reply(
        db, handoff.id, operator, f"关于{query}的答复", now=MONDAY_10AM + timedelta(minutes=minutes)
    )
    desk().add_note(db, handoff.id, operator, "内部备注：已核实")
    desk().resolve(db, handoff.id, operator, now=MONDAY_10AM + timedelta(minutes=30))
    if rating:
        desk().rate(db, conversation, rating)
    return handoff


def test_search_filters(db):
    alice, bob = add_operator(db, "alice"), add_operator(db, "bob")
    pension = _handled(db, "s1", "养老金怎么领", alice, rating=5)
    fund = _handled(db, "s2", "公积金提取", bob, reason="complaint", rating=2)

    def ids(**criteria):
        return [h.id for h in review.search(db, ReviewFilters(**criteria))]

    assert ids() == [fund.id, pension.id]
    assert ids(department="gongjijin") == [fund.id]
    assert ids(reason="complaint") == [fund.id]
    assert ids(rating=5) == [pension.id]
    assert ids(text="关于养老金") == [pension.id]  # matches transcript lines too
    assert ids(since=date(2026, 11, 30), until=date(2026, 11, 30)) == [fund.id, pension.id]
    assert ids(since=date(2026, 12, 1)) == []


def test_a_date_filter_selects_the_display_day_not_the_utc_day(db):
    """Storage is UTC; a person filtering 2026-12-08 means the Beijing calendar day."""
    opened = {}
    for session_id, moment in {
        "late-on-7th": datetime(2026, 12, 7, 15, 59, tzinfo=timezone.utc),  # 12-07 23:59 Beijing
        "just-after-midnight": datetime(2026, 12, 7, 16, 1, tzinfo=timezone.utc),  # 12-08 00:01
        "late-on-8th": datetime(2026, 12, 8, 15, 59, tzinfo=timezone.utc),  # 12-08 23:59
        "early-on-9th": datetime(2026, 12, 8, 16, 1, tzinfo=timezone.utc),  # 12-09 00:01
    }.items():
        handoff, _ = desk().open_handoff(
            db, add_conversation(db, session_id), "user_request", last_query="退休手续", now=moment
        )
        opened[handoff.id] = session_id

    def sessions(**criteria):
        return [opened[h.id] for h in review.search(db, ReviewFilters(**criteria))]

    day = date(2026, 12, 8)
    assert sessions(since=day, until=day) == ["late-on-8th", "just-after-midnight"]
    assert sessions(since=date(2026, 12, 9)) == ["early-on-9th"]
    assert sessions(until=date(2026, 12, 7)) == ["late-on-7th"]


def test_exports_carry_the_transcript(db):
    alice = add_operator(db, "alice")
    handoff = _handled(db, "s1", "落户需要什么材料", alice, rating=4)
    found = review.search(db, ReviewFilters())

    records = [json.loads(line) for line in review.export_jsonl(found)]
    assert records[0]["handoff_id"] == handoff.id and records[0]["rating"] == 4
    assert records[0]["first_response_minutes"] == 5.0
    assert any(line["role"] == "operator" for line in records[0]["transcript"])

    text = "".join(review.export_csv(found)).lstrip("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows[0]["department"] == "huji" and rows[0]["claimed_by"] == "alice"
    assert "operator: 关于落户需要什么材料的答复" in rows[0]["transcript"]


def test_figures_per_operator_and_department(db):
    alice, bob = add_operator(db, "alice"), add_operator(db, "bob")
    _handled(db, "s1", "养老金", alice, rating=5, minutes=5)
    _handled(db, "s2", "失业金", alice, rating=3, minutes=15)  # first response too late
    _handled(db, "s3", "个税退税", bob)

    figures = review.figures(db, review.search(db, ReviewFilters()))
    by_operator = {f["key"]: f for f in figures["operators"]}
    assert by_operator["alice"]["handled"] == 2
    assert by_operator["alice"]["avg_first_response_minutes"] == 10.0
    assert by_operator["alice"]["sla_met_percent"] == 50.0
    assert by_operator["alice"]["avg_rating"] == 4.0
    assert by_operator["bob"]["avg_rating"] is None
    by_department = {f["key"]: f for f in figures["departments"]}
    assert by_department["shebao"]["handled"] == 2 and by_department["shuiwu"]["handled"] == 1
