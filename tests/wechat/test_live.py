"""The whole path with the real processes: WeChat push → app → Rasa → actions → answer
engine → customer-service send API (the fake WeChat server), then 转人工."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
import requests
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from bot.models import Conversation
from tests.fakes.wechat_server import FakeWeChat
from tests.fixtures.stack import (
    LiveStack,
    SupervisedStack,
    ensure_rasa_model,
    load_test_kb,
    stack_env,
)
from tests.wechat import safe_mode
from tests.wechat.conftest import AES_KEY, TOKEN, wait_until

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeWeChat]:
    server = FakeWeChat()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, fake: FakeWeChat) -> Iterator[LiveStack]:
    ensure_rasa_model()
    env = stack_env(
        tmp_path_factory.mktemp("wechat-stack"),
        WENZHENG_WECHAT_APPID=fake.appid,
        WENZHENG_WECHAT_SECRET=fake.secret,
        WENZHENG_WECHAT_TOKEN=TOKEN,
        WENZHENG_WECHAT_ENCODING_AES_KEY=AES_KEY,
        WENZHENG_WECHAT_API_BASE=fake.base_url,
    )
    load_test_kb(env)
    supervised = SupervisedStack(env)
    try:
        yield supervised.start()
    finally:
        supervised.stop()


def push(stack: LiveStack, fake: FakeWeChat, openid: str, text: str, msg_id: str) -> float:
    """A safe-mode XML push as WeChat sends it; returns how long the callback took."""
    inner = (
        f"<xml><ToUserName><![CDATA[gh_test]]></ToUserName>"
        f"<FromUserName><![CDATA[{openid}]]></FromUserName><CreateTime>1700000000</CreateTime>"
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


def sent_to(fake: FakeWeChat, openid: str) -> list[str]:
    return [m["text"]["content"] for m in fake.sent() if m["touser"] == openid]


def test_cited_answer_then_handoff_through_the_real_stack(stack, fake):
    elapsed = push(stack, fake, "openid-live", "公积金租房提取需要什么材料？", "80001")
    assert elapsed < 5  # WeChat's limit; the answer itself comes later
    # The answer, then the feedback question with its buttons as numbered choices.
    wait_until(lambda: len(sent_to(fake, "openid-live")) == 2, timeout=90)
    answer, feedback = sent_to(fake, "openid-live")
    assert feedback.endswith("请回复序号选择：\n1. 有帮助\n2. 没帮助")
    assert "身份证" in answer
    assert "\n\n参考来源：\n[1] 《" in answer
    assert "https://gjj.example.gov.cn/guide/zufang" in answer

    push(stack, fake, "openid-live", "转人工", "80002")
    wait_until(lambda: len(sent_to(fake, "openid-live")) >= 3, timeout=90)
    engine = create_engine(f"sqlite:///{stack.home / 'wenzheng.db'}")
    with Session(engine) as db:
        conversation = db.scalar(
            select(Conversation).where(Conversation.citizen_ref == "openid-live")
        )
        assert (conversation.channel, conversation.handoff_state) == ("wechat", "waiting")
    engine.dispose()
    # A retry of the first push (WeChat repeats when it misses our "success") changes nothing.
    push(stack, fake, "openid-live", "公积金租房提取需要什么材料？", "80001")
    time.sleep(1)
    assert sent_to(fake, "openid-live")[0] == answer
    assert len([c for c in sent_to(fake, "openid-live") if c == answer]) == 1
