"""Operator lines pushed through the channel sender; failures, retries and restarts."""

import pytest
from sqlalchemy import select

from bot.chat.service import append_message, get_or_create_conversation
from bot.desk import desk
from bot.wechat.messages import MAX_TEXT_BYTES
from bot.wechat.models import JobState, WeChatInbound, WeChatOutbound
from core.db import session_scope
from tests.wechat import safe_mode
from tests.wechat.conftest import AES_KEY, TOKEN, wait_until

pytestmark = [pytest.mark.parametrize("database_url", ["sqlite"], indirect=True), pytest.mark.fake_embedder]


def operator_line(app, openid: str, text: str, channel: str = "wechat"):
    """Store an operator reply the way the handoff service does, and deliver it."""
    with app.app_context(), session_scope(app.extensions["wenzheng.sessions"]) as db:
        conversation = get_or_create_conversation(db, channel=channel, citizen_ref=openid)
        message = append_message(db, conversation, "operator", text, author="op1")
        desk().deliver(conversation, message)
        return conversation, message


def outbound_rows(app) -> list[WeChatOutbound]:
    with session_scope(app.extensions["wenzheng.sessions"]) as db:
        return list(db.scalars(select(WeChatOutbound).order_by(WeChatOutbound.id)))


def test_operator_reply_is_pushed_once_even_if_delivered_twice(wechat_app, fake_wechat):
    conversation, message = operator_line(wechat_app, "openid-op", "您好，我是人工客服小王。")
    with wechat_app.app_context():
        desk().deliver(conversation, message)
    wait_until(fake_wechat.sent)
    wechat_app.extensions["wenzheng.wechat"].shutdown()
    assert fake_wechat.sent() == [
        {"touser": "openid-op", "msgtype": "text", "text": {"content": "您好，我是人工客服小王。"}}
    ]


def test_mini_program_conversations_are_not_pushed(wechat_app, fake_wechat):
    operator_line(wechat_app, "openid-mp", "您好。", channel="miniprogram")
    wechat_app.extensions["wenzheng.wechat"].shutdown()
    assert fake_wechat.calls("/cgi-bin/message/custom/send") == []
    assert outbound_rows(wechat_app) == []


def test_long_reply_goes_out_in_order_in_parts_within_the_limit(wechat_app, fake_wechat):
    text = "".join(
        f"第{i}条：办理居住证需要提供身份证、居住登记凭证和近期照片。" for i in range(80)
    )
    operator_line(wechat_app, "openid-long", text)
    wait_until(lambda: outbound_rows(wechat_app)[0].state == JobState.DONE)
    contents = [m["text"]["content"] for m in fake_wechat.sent()]
    assert len(contents) >= 3
    assert all(len(c.encode()) <= MAX_TEXT_BYTES for c in contents)
    assert all(c.endswith("。") for c in contents)
    assert "".join(contents) == text


def test_failed_send_is_kept_and_retried_without_repeating_parts(wechat_app, fake_wechat):
    text = "请携带身份证原件到窗口办理。" * 100  # 4,200 bytes: three parts
    fake_wechat.send_failures.extend([0, 45047])  # part 1 accepted, part 2 refused
    operator_line(wechat_app, "openid-fail", text)
    wait_until(lambda: outbound_rows(wechat_app)[0].state == JobState.FAILED)
    row = outbound_rows(wechat_app)[0]
    assert (row.sent_parts, len(row.parts), row.attempts) == (1, 3, 1)
    assert "45047" in row.error

    result = wechat_app.test_cli_runner().invoke(args=["wechat", "retry"])
    assert result.exit_code == 0, result.output
    row = outbound_rows(wechat_app)[0]
    assert (row.state, row.sent_parts, row.attempts) == (JobState.DONE, 3, 2)
    contents = [m["text"]["content"] for m in fake_wechat.sent()]
    assert len(contents) == 3
    assert "".join(contents) == text  # no part twice, none missing


@pytest.mark.parametrize("recovery", ["next_push", "cli"])
def test_messages_stored_before_a_crash_are_answered_after_restart(
    make_app, wechat_settings, fake_wechat, database_url, recovery
):
    first = make_app(DATABASE_URL=database_url, **wechat_settings)
    with session_scope(first.extensions["wenzheng.sessions"]) as db:
        # Stored by the callback, then the process died before the worker ran.
        db.add(
            WeChatInbound(msg_key="9009", openid="openid-crash", msg_type="text", content="你好")
        )
    first.extensions["wenzheng.engine"].dispose()

    restarted = make_app(DATABASE_URL=database_url, **wechat_settings)
    if recovery == "cli":
        result = restarted.test_cli_runner().invoke(args=["wechat", "retry"])
        assert result.exit_code == 0, result.output
        expected = ["openid-crash"]
    else:
        query, body = safe_mode.sealed(
            TOKEN, AES_KEY, fake_wechat.appid,
            b"<xml><FromUserName>openid-next</FromUserName><CreateTime>1</CreateTime>"
            b"<MsgType>event</MsgType><Event>user_enter_tempsession</Event></xml>",
        )
        restarted.test_client().post("/wechat/callback", query_string=query, data=body)
        wait_until(lambda: len(fake_wechat.sent()) == 2)
        restarted.extensions["wenzheng.wechat"].shutdown()
        expected = ["openid-crash", "openid-next"]
    assert sorted(m["touser"] for m in fake_wechat.sent()) == expected
    status = restarted.test_cli_runner().invoke(args=["wechat", "status"])
    assert f"wechat_inbound: done {len(expected)}" in status.output
    assert "wechat_outbound: done" in status.output
