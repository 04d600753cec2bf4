"""Subscription messages (订阅消息): consent from the mini-program, a send per consent when an
operator answers, refusals and quota errors handled once, against the fake WeChat server."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.desk import desk
from bot.handoff.departments import seed_demo
from bot.models import Handoff
from bot.wechat.models import JobState, WeChatConsent, WeChatNotice
from bot.wechat.subscribe import MAX_CREDITS
from core.db import session_scope
from core.organisation import Department
from tests.handoff.support import add_operator
from tests.wechat.conftest import wait_until

pytestmark = pytest.mark.fake_embedder  # no ranking asserted: no 471 MB model

TEMPLATE = "tmpl-reply"


@pytest.fixture
def wechat_settings(wechat_settings):
    return {**wechat_settings, "WECHAT_SUBSCRIBE_TEMPLATE_ID": TEMPLATE}


def sessions(app):
    return session_scope(app.extensions["wenzheng.sessions"])


def close_every_department_today(app) -> None:
    """Service hours on tomorrow's weekday only: now is after hours, whatever the clock."""
    tomorrow = (datetime.now(ZoneInfo("Asia/Shanghai")) + timedelta(days=1)).weekday()
    with app.app_context(), sessions(app) as db:
        seed_demo(db)
        for department in db.scalars(select(Department)):
            department.service_hours = {"days": [tomorrow], "start": "09:00", "end": "17:00"}


def log_in(client, fake, openid: str) -> str:
    fake.codes[f"code-{openid}"] = openid
    response = client.post("/api/v1/wechat/login", json={"code": f"code-{openid}"})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["subscribe_templates"] == [TEMPLATE]
    return response.get_json()["session_id"]


def consent(client, session_id: str, result: str = "accept"):
    return client.post(
        "/api/v1/wechat/subscribe", json={"session_id": session_id, "results": {TEMPLATE: result}}
    )


def hand_off(app, client, session_id: str) -> int:
    """The citizen asks, then taps 转人工 (Rasa is down: the relay opens the handoff)."""
    client.post("/api/v1/chat", json={"session_id": session_id, "text": "异地就医怎么备案？"})
    body = client.post(
        "/api/v1/chat", json={"session_id": session_id, "text": "/request_human"}
    ).get_json()
    assert body["handoff"]["state"] == "waiting"
    with sessions(app) as db:
        return db.scalar(select(Handoff.id).order_by(Handoff.id.desc()))


def operator_replies(app, handoff_id: int, *texts: str) -> None:
    with app.app_context(), sessions(app) as db:
        operator = add_operator(db, "op-night")
        desk().claim(db, handoff_id, operator)
        for text in texts:
            desk().reply(db, handoff_id, operator, text)


def notices(app) -> list[WeChatNotice]:
    with sessions(app) as db:
        return list(db.scalars(select(WeChatNotice).order_by(WeChatNotice.id)))


def credits(app, openid: str) -> int:
    with sessions(app) as db:
        row = db.scalar(select(WeChatConsent).where(WeChatConsent.openid == openid))
        return row.credits if row else 0


def test_after_hours_operator_reply_reaches_the_citizen_as_a_subscription_message(
    wechat_app, fake_wechat
):
    close_every_department_today(wechat_app)
    client = wechat_app.test_client()
    session_id = log_in(client, fake_wechat, "openid-night")
    handoff_id = hand_off(wechat_app, client, session_id)
    transcript = client.get(f"/api/v1/chat/{session_id}/messages").get_json()["messages"]
    assert "非工作时间" in transcript[-1]["text"]

    # The citizen taps 允许 in the subscription dialog the page opens on 转人工.
    fake_wechat.grant("openid-night", TEMPLATE)
    assert consent(client, session_id).get_json() == {"credits": {TEMPLATE: 1}}

    # Next morning an operator answers, in two lines; the one consent announces the first.
    operator_replies(
        wechat_app,
        handoff_id,
        "您好，异地就医备案可在国家医保服务平台App上办理，一般当场完成。",
        "还有别的问题吗？",
    )
    wait_until(lambda: notices(wechat_app) and notices(wechat_app)[0].state == JobState.DONE)
    wechat_app.extensions["wenzheng.wechat"].shutdown()
    [sent] = fake_wechat.notices()
    assert sent["touser"] == "openid-night"
    assert sent["template_id"] == TEMPLATE
    assert sent["page"] == "pages/chat/chat"
    assert sent["data"]["thing1"] == {"value": "异地就医怎么备案？"}
    assert sent["data"]["thing2"]["value"].startswith("您好，异地就医备案")
    assert len(sent["data"]["thing2"]["value"]) == 20
    assert credits(wechat_app, "openid-night") == 0
    assert len(notices(wechat_app)) == 1  # no consent left for the second line
    assert len(fake_wechat.calls("/cgi-bin/message/subscribe/send")) == 1
    # Customer-service messages are not used for the mini-program channel.
    assert fake_wechat.calls("/cgi-bin/message/custom/send") == []


def test_without_consent_nothing_is_sent(wechat_app, fake_wechat):
    client = wechat_app.test_client()
    session_id = log_in(client, fake_wechat, "openid-no")
    assert consent(client, session_id, "reject").get_json() == {"credits": {TEMPLATE: 0}}
    operator_replies(wechat_app, hand_off(wechat_app, client, session_id), "您好。")
    wechat_app.extensions["wenzheng.wechat"].shutdown()
    assert fake_wechat.calls("/cgi-bin/message/subscribe/send") == []
    assert notices(wechat_app) == []


def test_refusal_is_logged_clears_the_consent_and_is_never_retried(wechat_app, fake_wechat, caplog):
    client = wechat_app.test_client()
    session_id = log_in(client, fake_wechat, "openid-refused")
    consent(client, session_id)  # the page says accept, but WeChat has no consent (43101)
    consent(client, session_id)
    operator_replies(wechat_app, hand_off(wechat_app, client, session_id), "您好。")
    wait_until(lambda: notices(wechat_app) and notices(wechat_app)[0].state == JobState.FAILED)
    [row] = notices(wechat_app)
    assert row.errcode == 43101
    assert "43101" in caplog.text
    assert credits(wechat_app, "openid-refused") == 0  # WeChat's word wins

    result = wechat_app.test_cli_runner().invoke(args=["wechat", "retry"])
    assert result.exit_code == 0, result.output
    assert len(fake_wechat.calls("/cgi-bin/message/subscribe/send")) == 1
    assert notices(wechat_app)[0].state == JobState.FAILED


def test_quota_error_fails_once_and_is_sent_by_a_later_retry(wechat_app, fake_wechat):
    client = wechat_app.test_client()
    session_id = log_in(client, fake_wechat, "openid-quota")
    fake_wechat.grant("openid-quota", TEMPLATE)
    consent(client, session_id)
    fake_wechat.subscribe_quota = 0
    operator_replies(wechat_app, hand_off(wechat_app, client, session_id), "您好，已为您查询。")
    wait_until(lambda: notices(wechat_app) and notices(wechat_app)[0].state == JobState.FAILED)
    assert notices(wechat_app)[0].errcode == 45009
    assert len(fake_wechat.calls("/cgi-bin/message/subscribe/send")) == 1  # no retry loop

    fake_wechat.subscribe_quota = None  # the next day
    result = wechat_app.test_cli_runner().invoke(args=["wechat", "retry"])
    assert result.exit_code == 0, result.output
    assert notices(wechat_app)[0].state == JobState.DONE
    assert [n["touser"] for n in fake_wechat.notices()] == ["openid-quota"]


@pytest.mark.parametrize(
    "body, status, error",
    [
        ({"session_id": None, "results": {TEMPLATE: "accept"}}, 400, "invalid_session_id"),
        ({"session_id": "nope", "results": {TEMPLATE: "accept"}}, 404, "unknown_session"),
        ({"results": {"tmpl-other": "accept"}}, 400, "invalid_results"),
        ({"results": []}, 400, "invalid_results"),
        ({"results": {}}, 400, "invalid_results"),
    ],
)
def test_bad_consent_reports_are_refused(wechat_app, fake_wechat, body, status, error):
    client = wechat_app.test_client()
    session_id = log_in(client, fake_wechat, "openid-bad")
    response = client.post("/api/v1/wechat/subscribe", json={"session_id": session_id, **body})
    assert (response.status_code, response.get_json()["error"]) == (status, error)
    assert credits(wechat_app, "openid-bad") == 0


def test_web_conversations_cannot_subscribe_and_consents_are_capped(wechat_app, fake_wechat):
    client = wechat_app.test_client()
    web = client.post("/api/v1/chat", json={"text": "你好"}).get_json()["session_id"]
    assert consent(client, web).status_code == 400
    session_id = log_in(client, fake_wechat, "openid-many")
    for _ in range(MAX_CREDITS + 3):
        consent(client, session_id)
    assert credits(wechat_app, "openid-many") == MAX_CREDITS
