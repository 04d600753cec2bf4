"""The operator console through HTTP: queue, claim, reply, notes, resolve, rating."""

from __future__ import annotations

import pytest
from auth.helpers import csrf_of
from sqlalchemy import select

from bot.chat.service import append_message
from bot.desk import desk
from bot.models import Conversation, Handoff
from core.db import session_scope

pytestmark = pytest.mark.fake_embedder  # no ranking asserted: no 471 MB model


def _open(app, session_id: str, query: str, reason: str = "user_request") -> int:
    with app.app_context(), session_scope(app.extensions["wenzheng.sessions"]) as db:
        conversation = Conversation(session_id=session_id, channel="web")
        db.add(conversation)
        db.commit()
        handoff, _ = desk().open_handoff(db, conversation, reason, last_query=query)
        return handoff.id


def _post(client, path: str, **form):
    client.get("/operator/")  # a rendered page puts the CSRF token in the session
    return client.post(path, data={"csrf_token": csrf_of(client), **form}, follow_redirects=True)


def _handoff(app, handoff_id: int) -> Handoff:
    with session_scope(app.extensions["wenzheng.sessions"]) as db:
        return db.get(Handoff, handoff_id)


def test_only_operators_and_admins_get_in(console_app, signed_in):
    anonymous = console_app.test_client().get("/operator/")
    assert anonymous.status_code == 302 and "/auth/login" in anonymous.location
    assert signed_in("ed", "editor").get("/operator/").status_code == 403
    assert signed_in("root", "admin").get("/operator/").status_code == 200


def test_queue_shows_reason_department_and_urgency_first(console_app, signed_in):
    _open(console_app, "s1", "公积金怎么提取")
    _open(console_app, "s2", "我要投诉公积金窗口", reason="complaint")
    page = signed_in("alice", department="gongjijin").get("/operator/").get_data(as_text=True)

    assert "公积金怎么提取" in page and "用户要求" in page
    assert page.index("我要投诉公积金窗口") < page.index("公积金怎么提取")
    other = signed_in("bob", department="huji").get("/operator/").get_data(as_text=True)
    assert "公积金怎么提取" not in other  # own department by default
    assert "公积金怎么提取" in signed_in("carol", department="huji").get(
        "/operator/?department=all"
    ).get_data(as_text=True)


def test_claim_reply_note_resolve_and_the_citizen_sees_it(console_app, signed_in):
    handoff_id = _open(console_app, "web-1", "社保卡丢了怎么补办")
    alice, bob = signed_in("alice"), signed_in("bob")

    page = _post(alice, f"/operator/handoffs/{handoff_id}/claim").get_data(as_text=True)
    assert "已接手" in page and "回复市民" in page
    refused = _post(bob, f"/operator/handoffs/{handoff_id}/claim").get_data(as_text=True)
    assert "该会话已由 alice 接手" in refused

    _post(alice, f"/operator/handoffs/{handoff_id}/reply", text="请携带身份证到社保窗口补办。")
    _post(alice, f"/operator/handoffs/{handoff_id}/note", text="市民语气平和，内部备注")
    page = alice.get(f"/operator/handoffs/{handoff_id}").get_data(as_text=True)
    assert "请携带身份证到社保窗口补办。" in page and "市民语气平和" in page

    citizen = console_app.test_client()
    seen = citizen.get("/api/v1/chat/web-1/messages").json
    texts = [m["text"] for m in seen["messages"]]
    assert "请携带身份证到社保窗口补办。" in texts
    assert not any("内部备注" in t for t in texts)  # notes never reach citizens
    assert {m["role"] for m in seen["messages"]} <= {"user", "bot", "operator", "system"}

    _post(alice, f"/operator/handoffs/{handoff_id}/resolve")
    seen = citizen.get("/api/v1/chat/web-1/messages").json
    assert seen["handoff"]["state"] == "resolved"
    assert seen["messages"][-1]["buttons"][0]["payload"] == '/rate{"score": 5}'

    rated = citizen.post("/api/v1/chat", json={"session_id": "web-1", "text": '/rate{"score": 5}'})
    assert rated.status_code == 200
    assert _handoff(console_app, handoff_id).rating == 5


def test_transcript_shows_what_the_bot_saw(console_app, signed_in):
    handoff_id = _open(console_app, "s-bot", "灵活就业怎么交社保", reason="low_confidence")
    with (
        console_app.app_context(),
        session_scope(console_app.extensions["wenzheng.sessions"]) as db,
    ):
        conversation = db.get(Handoff, handoff_id).conversation
        citation = {
            "n": 1,
            "title": "社会保险法",
            "locator": "第十条",
            "version": "2018-12-29",
            "url": "https://example.gov.cn/law",
        }
        append_message(
            db,
            conversation,
            "bot",
            "可以以个人身份参保。[1]",
            payload={"citations": [citation]},
            decision="answer",
            confidence=0.42,
        )

        db.get(Handoff, handoff_id).bot_context = {"turns": [
            {"role": "user", "text": "灵活就业怎么交社保", "intent": "ask_policy",
             "confidence": 0.5812345678901234, "timestamp": 1796601600.123456},
            {"role": "bot", "text": "可以以个人身份参保。", "decision": "answer",
             "confidence": 0.4213456789, "timestamp": 1796601601.5},
        ]}

    page = signed_in("alice").get(f"/operator/handoffs/{handoff_id}").get_data(as_text=True)
    assert "置信度低" in page and "灵活就业怎么交社保" in page
    assert "社会保险法 第十条（2018-12-29）" in page
    assert "置信度 0.42" in page and "直接回答" in page
    # the bot context reads as a transcript: named speakers, times, two-digit confidence
    assert "置信度 0.58" in page and "0.58123" not in page and "1796601600" not in page
    assert "<strong>市民</strong>" in page and ">answer<" not in page and "timestamp" not in page


def test_refusals_are_shown_not_crashed(console_app, signed_in):
    handoff_id = _open(console_app, "s-x", "户口迁移")
    alice = signed_in("alice")
    page = _post(alice, f"/operator/handoffs/{handoff_id}/reply", text="您好").get_data(
        as_text=True
    )
    assert "请先接手该会话再操作" in page
    assert alice.get("/operator/handoffs/999999").status_code == 404
    no_token = alice.post(f"/operator/handoffs/{handoff_id}/claim")
    assert no_token.status_code == 400
    assert _handoff(console_app, handoff_id).state == "waiting"


def test_transfer_moves_the_conversation(console_app, signed_in):
    handoff_id = _open(console_app, "s-t", "养老金")
    alice = signed_in("alice", department="shebao")
    _post(alice, f"/operator/handoffs/{handoff_id}/claim")
    page = _post(alice, f"/operator/handoffs/{handoff_id}/transfer", department="minzheng")
    assert "已转交" in page.get_data(as_text=True)
    stored = _handoff(console_app, handoff_id)
    assert (stored.department, stored.state) == ("minzheng", "waiting")


def test_canned_replies_are_managed_by_admins(console_app, signed_in):
    admin, alice = signed_in("root", "admin"), signed_in("alice", department="yibao")
    assert alice.get("/operator/canned/").status_code == 403
    admin.get("/operator/canned/")
    created = admin.post(
        "/operator/canned/",
        data={"csrf_token": csrf_of(admin), "title": "问候", "text": "您好，请问有什么可以帮您？"},
        follow_redirects=True,
    )
    assert "已添加快捷回复" in created.get_data(as_text=True)
    empty = admin.post(
        "/operator/canned/", data={"csrf_token": csrf_of(admin), "title": ""}, follow_redirects=True
    )
    assert "均不能为空" in empty.get_data(as_text=True)

    handoff_id = _open(console_app, "s-c", "医保报销")
    _post(alice, f"/operator/handoffs/{handoff_id}/claim")
    page = alice.get(f"/operator/handoffs/{handoff_id}").get_data(as_text=True)
    assert "您好，请问有什么可以帮您？" in page


def test_escalation_list_is_for_admins(console_app, signed_in):
    handoff_id = _open(console_app, "s-e", "个税汇算")
    with session_scope(console_app.extensions["wenzheng.sessions"]) as db:
        db.get(Handoff, handoff_id).escalated_at = db.get(Handoff, handoff_id).created_at
    assert signed_in("alice").get("/operator/escalations").status_code == 403
    page = signed_in("root", "admin").get("/operator/escalations").get_data(as_text=True)
    assert "个税汇算" in page
    with session_scope(console_app.extensions["wenzheng.sessions"]) as db:
        assert db.scalar(select(Handoff.id)) == handoff_id
