"""Issue 14 item 10: a failed WeChat request logs and stores no secret and no access token."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select

from bot.chat.service import append_message, get_or_create_conversation
from bot.desk import desk
from bot.redaction import install as install_log_redaction
from bot.wechat.client import WeChatClient, WeChatError
from bot.wechat.models import JobState, WeChatOutbound
from core.db import session_scope
from tests.fakes.wechat_server import FakeWeChat
from tests.wechat.conftest import wait_until

SEND = "/cgi-bin/message/custom/send"


def test_client_error_names_the_api_but_not_the_secret(fake_wechat: FakeWeChat, caplog):
    install_log_redaction()  # what create_app does for every process of the app
    caplog.set_level(logging.DEBUG)  # urllib3 logs request lines with their query at DEBUG
    client = WeChatClient(fake_wechat.base_url, fake_wechat.appid, fake_wechat.secret, 5.0)
    client.access_token()
    client.tokens.discard(client.tokens.get() or "")
    fake_wechat.stop()  # WeChat unreachable: the connection error names the URL
    with pytest.raises(WeChatError) as failure:
        client.send_text("openid-1", "您好")
    message = str(failure.value)
    assert "/cgi-bin/token?" in message and "secret=" in message
    assert fake_wechat.secret not in message
    logging.getLogger("test").warning("send failed: %s", failure.value)
    assert "secret=" in caplog.text and fake_wechat.secret not in caplog.text


@pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)
def test_failed_send_is_logged_and_stored_without_token(wechat_app, fake_wechat, caplog):
    caplog.set_level(logging.DEBUG)  # urllib3 logs request lines with their query at DEBUG
    wechat_app.extensions["wenzheng.wechat"].client.access_token()
    tokens = set(fake_wechat.valid_tokens)
    fake_wechat.stop()  # WeChat unreachable after the token was issued
    with wechat_app.app_context(), session_scope(wechat_app.extensions["wenzheng.sessions"]) as db:
        conversation = get_or_create_conversation(db, channel="wechat", citizen_ref="openid-x")
        message = append_message(db, conversation, "operator", "您好。", author="op1")
        desk().deliver(conversation, message)

    def failed() -> WeChatOutbound | None:
        with session_scope(wechat_app.extensions["wenzheng.sessions"]) as db:
            row = db.scalars(select(WeChatOutbound)).first()
            return row if row is not None and row.state == JobState.FAILED else None

    row = wait_until(failed)
    wechat_app.extensions["wenzheng.wechat"].shutdown()
    secrets = [fake_wechat.secret, *tokens]
    assert "access_token=" in row.error and SEND in row.error
    assert [s for s in secrets if s in row.error] == []
    assert "access_token=" in caplog.text and "secret=" in caplog.text
    assert [s for s in secrets if s in caplog.text] == []


def test_a_failed_rasa_resume_stores_and_logs_no_token(make_app, caplog):
    from bot.desk import desk
    from bot.models import Conversation, Handoff, PendingResume
    from tests.handoff.support import closed_port_url

    app = make_app(RASA_URL=closed_port_url(), RASA_TOKEN="rasa-token-not-for-logs")
    with app.app_context():
        db = app.extensions["wenzheng.sessions"]()
        conversation = Conversation(session_id="s-resume", channel="web")
        db.add(conversation)
        db.flush()
        handoff = Handoff(conversation_id=conversation.id, reason="user_request")
        db.add(handoff)
        db.flush()
        db.add(PendingResume(session_id="s-resume", handoff_id=handoff.id))
        db.commit()
        assert desk().resumes.flush() == 0
        [pending] = db.scalars(select(PendingResume)).all()
        db.close()
    assert "token=" in pending.error and "rasa-token-not-for-logs" not in pending.error
    assert "token=" in caplog.text and "rasa-token-not-for-logs" not in caplog.text
