"""The whole path with the real processes (the session's ``live_stack``): WeChat push → app →
Rasa → actions → answer engine → customer-service send API (the fake WeChat server), then
转人工."""

from __future__ import annotations

import time

import pytest
import requests
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from bench.stack import LiveStack
from bot.models import Conversation
from tests.fakes.wechat_server import FakeWeChat
from tests.fixtures.stack import stored_feedback
from tests.wechat import safe_mode
from tests.wechat.conftest import AES_KEY, TOKEN, wait_until

pytestmark = pytest.mark.integration

OPENID = "openid-live"


def push(stack: LiveStack, fake: FakeWeChat, text: str, msg_id: str) -> float:
    """A safe-mode XML push as WeChat sends it; returns how long the callback took."""
    inner = (
        f"<xml><ToUserName><![CDATA[gh_test]]></ToUserName>"
        f"<FromUserName><![CDATA[{OPENID}]]></FromUserName><CreateTime>1700000000</CreateTime>"
        f"<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[{text}]]></Content>"
        f"<MsgId>{msg_id}</MsgId></xml>"
    ).encode()
    encrypted = safe_mode.encrypt(AES_KEY, fake.appid, inner)
    started = time.monotonic()
    response = requests.post(
        f"{stack.app_url}/wechat/callback",
        params=safe_mode.signed_query(TOKEN, encrypted),
        data=f"<xml><Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>".encode(),
        headers={"Content-Type": "text/xml"},
        timeout=10,
    )
    assert response.text == "success"
    return time.monotonic() - started


def sent(fake: FakeWeChat) -> list[str]:
    return [m["text"]["content"] for m in fake.sent() if m["touser"] == OPENID]


def test_cited_answer_then_handoff_through_the_real_stack(live_stack, live_wechat):
    elapsed = push(live_stack, live_wechat, "公积金租房提取需要什么材料？", "80001")
    assert elapsed < 5  # WeChat's limit; the answer itself comes later
    # The answer, then the feedback question with its buttons as numbered choices.
    wait_until(lambda: len(sent(live_wechat)) == 2, timeout=90)
    answer, feedback = sent(live_wechat)
    assert feedback.endswith("请回复序号选择：\n1. 有帮助\n2. 没帮助")
    assert "身份证" in answer
    assert "\n\n参考来源：\n[1] 《" in answer
    assert "https://gjj.example.gov.cn/guide/zufang" in answer

    # A retry of the first push (WeChat repeats when it misses our "success") changes
    # nothing: the citizen's next message, choice 1 (有帮助), is answered next, and stored.
    push(live_stack, live_wechat, "公积金租房提取需要什么材料？", "80001")
    push(live_stack, live_wechat, "1", "80002")
    wait_until(lambda: any("感谢您的反馈" in c for c in sent(live_wechat)), timeout=90)
    assert sent(live_wechat)[:2] == [answer, feedback]
    assert sent(live_wechat).count(answer) == 1

    push(live_stack, live_wechat, "转人工", "80003")
    count = len(sent(live_wechat))
    wait_until(lambda: len(sent(live_wechat)) > count, timeout=90)
    engine = create_engine(f"sqlite:///{live_stack.home / 'wenzheng.db'}")
    with Session(engine) as db:
        conversation = db.scalar(select(Conversation).where(Conversation.citizen_ref == OPENID))
        assert (conversation.channel, conversation.handoff_state) == ("wechat", "waiting")
        session_id = conversation.session_id
    engine.dispose()
    assert [helpful for _, helpful in stored_feedback(live_stack, session_id)] == [True]
