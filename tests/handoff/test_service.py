"""The handoff state machine on SQLite and the real PostgreSQL."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from bot.desk import desk
from bot.handoff.errors import Forbidden, HandoffError, Invalid
from bot.handoff.rasa import RasaResumes
from bot.models import Conversation, Handoff, HandoffEvent, Message, PendingResume, QueryLog
from core.db import utcnow
from core.outbox import Outbox
from handoff.support import add_conversation, add_operator, recording_rasa

pytestmark = pytest.mark.fake_embedder  # no ranking asserted: no 471 MB model

MONDAY_10AM = datetime(2026, 11, 30, 2, 0, tzinfo=timezone.utc)  # 10:00 Asia/Shanghai


def _lines(db, conversation, role):
    return db.scalars(
        select(Message).where(Message.conversation_id == conversation.id, Message.role == role)
    ).all()


def test_open_routes_by_topic_and_is_idempotent(db):
    conversation = add_conversation(db, "s-open")
    db.add(QueryLog(session_id="s-open", query="医保怎么报销", decision="handoff", confidence=0.2))
    db.commit()

    handoff, created = desk().open_handoff(
        db, conversation, "low_confidence", last_query="异地就医医保怎么报销", now=MONDAY_10AM
    )
    again, created_again = desk().open_handoff(db, conversation, "user_request")

    assert created and not created_again
    assert again.id == handoff.id
    assert handoff.department == "yibao"
    assert conversation.handoff_state == "waiting"
    assert db.scalar(select(QueryLog.handed_off)) is True
    assert db.scalar(select(Handoff.id).where(Handoff.id != handoff.id)) is None


def test_safety_and_complaints_get_priority_and_unknown_topic_goes_to_general(db):
    safety, _ = desk().open_handoff(db, add_conversation(db, "a"), "safety", last_query="救命")
    complaint, _ = desk().open_handoff(db, add_conversation(db, "b"), "complaint")
    plain, _ = desk().open_handoff(db, add_conversation(db, "c"), "user_request")

    assert safety.priority > complaint.priority > plain.priority
    assert plain.department == "zonghe"


def test_unknown_reason_is_refused(db):
    with pytest.raises(Invalid, match="未知的转人工原因"):
        desk().open_handoff(db, add_conversation(db, "s"), "bored")


def test_full_lifecycle_and_illegal_transitions(db):
    conversation = add_conversation(db, "s-life")
    alice, bob = add_operator(db, "alice"), add_operator(db, "bob")
    handoff, _ = desk().open_handoff(db, conversation, "user_request", last_query="落户")

    with pytest.raises(HandoffError, match="请先接手"):
        desk().reply(db, handoff.id, alice, "您好")
    with pytest.raises(HandoffError, match="请先接手"):
        desk().resolve(db, handoff.id, alice)

    desk().claim(db, handoff.id, alice)
    with pytest.raises(HandoffError, match="alice"):
        desk().claim(db, handoff.id, bob)
    with pytest.raises(Forbidden, match="alice"):
        desk().reply(db, handoff.id, bob, "我来回答")
    with pytest.raises(HandoffError, match="不能为空"):
        desk().reply(db, handoff.id, alice, "   ")

    first = desk().reply(db, handoff.id, alice, "您好，请问您要办理哪类落户？")
    desk().reply(db, handoff.id, alice, "请提供户口簿。")
    db.refresh(handoff)
    assert first.role == "operator" and first.author == "坐席alice"
    assert handoff.first_response_at is not None
    responded = handoff.first_response_at

    desk().resolve(db, handoff.id, alice)
    with pytest.raises(HandoffError, match="已结束"):
        desk().resolve(db, handoff.id, alice)
    with pytest.raises(HandoffError, match="已结束"):
        desk().claim(db, handoff.id, bob)
    with pytest.raises(HandoffError, match="已结束"):
        desk().reply(db, handoff.id, alice, "还有一件事")

    db.refresh(handoff)
    assert handoff.first_response_at == responded  # the second reply did not move it
    assert handoff.state == "resolved" and conversation.handoff_state == "resolved"
    system = [m.text for m in _lines(db, conversation, "system")]
    assert any("已接入" in text for text in system)
    assert any("已结束" in text for text in system)
    prompt = _lines(db, conversation, "system")[-1]
    assert [b["payload"] for b in prompt.payload["buttons"]][0] == '/rate{"score": 5}'
    actions = db.scalars(select(HandoffEvent.action).order_by(HandoffEvent.id)).all()
    assert actions == ["opened", "claimed", "resolved"]


def test_resolve_succeeds_when_rasa_is_down_and_the_resume_is_retried(db, handoff_app):
    conversation = add_conversation(db, "s-rasa")
    alice = add_operator(db, "alice")
    handoff, _ = desk().open_handoff(db, conversation, "user_request")
    desk().claim(db, handoff.id, alice)

    desk().resolve(db, handoff.id, alice)  # RASA_URL points at a closed port

    pending = db.scalar(select(PendingResume))
    assert pending is not None and pending.attempts == 1 and pending.error
    assert pending.state == "pending"
    sessions = handoff_app.extensions["wenzheng.sessions"]
    token = handoff_app.config["RASA_TOKEN"]
    with recording_rasa() as rasa:
        assert RasaResumes(Outbox(sessions), rasa.url, token, 3.0).flush() == 0  # backing off
        assert rasa.requests == []
        in_a_minute = Outbox(sessions, clock=lambda: utcnow() + timedelta(minutes=1))
        assert RasaResumes(in_a_minute, rasa.url, token, 3.0).flush() == 1
    db.refresh(pending)
    assert (pending.state, pending.attempts) == ("done", 2)
    assert rasa.requests == [
        {
            "path": f"/conversations/s-rasa/tracker/events?token={handoff_app.config['RASA_TOKEN']}",
            "json": {"event": "resume"},
        }
    ]


def test_transfer_requeues_in_the_target_department(db):
    conversation = add_conversation(db, "s-transfer")
    alice = add_operator(db, "alice", "shebao")
    handoff, _ = desk().open_handoff(db, conversation, "user_request", last_query="养老金")
    desk().claim(db, handoff.id, alice)

    with pytest.raises(HandoffError, match="找不到部门"):
        desk().transfer(db, handoff.id, alice, "nowhere")
    with pytest.raises(HandoffError, match="已在"):
        desk().transfer(db, handoff.id, alice, "shebao")
    desk().transfer(db, handoff.id, alice, "yibao")

    db.refresh(handoff)
    assert (handoff.state, handoff.department, handoff.claimed_by) == ("waiting", "yibao", None)
    assert "转交医保" in _lines(db, conversation, "system")[-1].text


def test_rating(db):
    conversation = add_conversation(db, "s-rate")
    alice = add_operator(db, "alice")
    with pytest.raises(HandoffError, match="没有可评价"):
        desk().rate(db, conversation, 5)
    handoff, _ = desk().open_handoff(db, conversation, "user_request")
    desk().claim(db, handoff.id, alice)
    desk().resolve(db, handoff.id, alice)

    for bad in (0, 6, "5", True, 4.5, None):
        with pytest.raises(HandoffError, match="1 到 5"):
            desk().rate(db, conversation, bad)
    desk().rate(db, conversation, 4)
    with pytest.raises(HandoffError, match="已评价"):
        desk().rate(db, conversation, 5)
    db.refresh(handoff)
    assert handoff.rating == 4


def test_concurrent_claims_have_exactly_one_winner(handoff_app, db):
    conversation = add_conversation(db, "s-race")
    operators = [add_operator(db, f"op{i}") for i in range(8)]
    handoff, _ = desk().open_handoff(db, conversation, "user_request")
    barrier = threading.Barrier(len(operators))
    outcomes: list[str] = []

    def try_claim(operator):
        with handoff_app.app_context():
            session = handoff_app.extensions["wenzheng.sessions"]()
            try:
                barrier.wait()
                desk().claim(session, handoff.id, session.merge(operator))
                outcomes.append("won")
            except HandoffError as exc:
                outcomes.append(exc.code)
            finally:
                session.close()

    threads = [threading.Thread(target=try_claim, args=(op,)) for op in operators]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["already_claimed"] * 7 + ["won"]
    db.expire_all()
    assert len(_lines(db, conversation, "system")) == 1  # one 已接入 notice, not eight


def test_state_survives_a_restart(make_app, database_url, db):
    conversation = add_conversation(db, "s-restart")
    alice = add_operator(db, "alice")
    handoff, _ = desk().open_handoff(db, conversation, "complaint", last_query="投诉窗口")
    desk().claim(db, handoff.id, alice)
    desk().reply(db, handoff.id, alice, "已收到您的投诉")

    restarted = make_app(DATABASE_URL=database_url)
    with restarted.app_context():
        fresh = restarted.extensions["wenzheng.sessions"]()
        stored = fresh.get(Handoff, handoff.id)
        assert (stored.state, stored.claimed_by, stored.reason) == ("active", "alice", "complaint")
        texts = [m.text for m in stored.conversation.messages]
        assert "已收到您的投诉" in texts
        fresh.close()


def test_concurrent_handoff_requests_open_one_handoff(handoff_app, db):
    conversation = add_conversation(db, "s-double")
    barrier = threading.Barrier(6)
    created: list[bool] = []

    def request_handoff():
        with handoff_app.app_context():
            session = handoff_app.extensions["wenzheng.sessions"]()
            try:
                barrier.wait()
                mine = session.get(Conversation, conversation.id)
                created.append(desk().open_handoff(session, mine, "user_request")[1])
            finally:
                session.close()

    threads = [threading.Thread(target=request_handoff) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(created) == [False] * 5 + [True]
    assert len(db.scalars(select(Handoff)).all()) == 1
