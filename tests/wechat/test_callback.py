"""The push callback end to end, with Rasa down (the chat service's apology path).

Storage and dedup run on SQLite and PostgreSQL; pure request checks on SQLite only.
"""

import json
import threading

import pytest
from sqlalchemy import func, select

from bot.chat.service import RASA_DOWN_APOLOGY
from bot.models import Conversation, Message
from bot.wechat.models import WeChatInbound
from bot.wechat.worker import TEXT_ONLY, TOO_LONG, WELCOME
from core.db import session_scope
from tests.wechat import safe_mode
from tests.wechat.conftest import AES_KEY, TOKEN, wait_until

pytestmark = pytest.mark.fake_embedder  # no ranking asserted: no 471 MB model


def xml_text(openid: str, content: str, msg_id: str) -> bytes:
    return (
        f"<xml><ToUserName><![CDATA[gh_test]]></ToUserName>"
        f"<FromUserName><![CDATA[{openid}]]></FromUserName><CreateTime>1700000000</CreateTime>"
        f"<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[{content}]]></Content>"
        f"<MsgId>{msg_id}</MsgId></xml>"
    ).encode()


def post(client, body: bytes, query: dict[str, str] | None = None, content_type="text/xml"):
    """Push ``body``; without a query it goes in safe mode, as WeChat sends it with our key."""
    if query is None:
        query, body = safe_mode.sealed(TOKEN, AES_KEY, "wx-test-app", body)
    return client.post(
        "/wechat/callback",
        query_string=query,
        data=body,
        content_type=content_type,
    )


def count(app, model) -> int:
    with session_scope(app.extensions["wenzheng.sessions"]) as db:
        return db.scalar(select(func.count()).select_from(model))


def transcript(app, openid: str) -> list[tuple[str, str]]:
    with session_scope(app.extensions["wenzheng.sessions"]) as db:
        conversation = db.scalar(select(Conversation).where(Conversation.citizen_ref == openid))
        if conversation is None:
            return []
        assert conversation.channel == "wechat"
        rows = db.scalars(
            select(Message).where(Message.conversation_id == conversation.id).order_by(Message.id)
        )
        return [(m.role, m.text) for m in rows]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_url_verification_echoes_only_when_signed(wechat_app):
    client = wechat_app.test_client()
    good = client.get("/wechat/callback", query_string=safe_mode.signed_query(TOKEN, echostr="e1"))
    assert good.status_code == 200
    assert good.get_data(as_text=True) == "e1"
    bad = client.get(
        "/wechat/callback", query_string=safe_mode.signed_query("not-our-token", echostr="e1")
    )
    assert bad.status_code == 403
    assert "e1" not in bad.get_data(as_text=True)


def test_text_message_is_acknowledged_then_answered_through_the_send_api(wechat_app, fake_wechat):
    response = post(wechat_app.test_client(), xml_text("openid-1", "社保断缴有什么影响？", "1001"))
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "success"
    (sent,) = wait_until(fake_wechat.sent)
    assert sent == {
        "touser": "openid-1",
        "msgtype": "text",
        "text": {"content": RASA_DOWN_APOLOGY + "\n\n请回复序号选择：\n1. 转人工"},
    }
    assert transcript(wechat_app, "openid-1") == [
        ("user", "社保断缴有什么影响？"),
        ("system", RASA_DOWN_APOLOGY),
    ]


def test_retried_msgid_is_answered_once_even_when_concurrent(wechat_app, fake_wechat):
    body = xml_text("openid-2", "居住证怎么办理？", "2002")
    statuses = []

    def push():
        statuses.append(post(wechat_app.test_client(), body).get_data(as_text=True))

    threads = [threading.Thread(target=push) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == ["success"] * 5
    wait_until(fake_wechat.sent)
    post(wechat_app.test_client(), body)  # a late retry, after the answer went out
    wechat_app.extensions["wenzheng.wechat"].shutdown()
    assert count(wechat_app, WeChatInbound) == 1
    assert len(fake_wechat.sent()) == 1
    assert [role for role, _ in transcript(wechat_app, "openid-2")] == ["user", "system"]


def sealed_json_push(wechat_app, fake_wechat, fields: dict):
    """A safe-mode push in WeChat's JSON format, encrypted and signed, posted to the callback."""
    encrypted = safe_mode.encrypt(AES_KEY, fake_wechat.appid, json.dumps(fields).encode())
    body = json.dumps({"ToUserName": "gh_test", "Encrypt": encrypted}).encode()
    return post(
        wechat_app.test_client(), body, safe_mode.signed_query(TOKEN, encrypted), "application/json"
    )


def test_safe_mode_json_event_gets_the_welcome(wechat_app, fake_wechat):
    response = sealed_json_push(wechat_app, fake_wechat, {
        "ToUserName": "gh_test",
        "FromUserName": "openid-3",
        "CreateTime": 1700000003,
        "MsgType": "event",
        "Event": "user_enter_tempsession",
        "SessionFrom": "",
    })
    assert response.get_data(as_text=True) == "success"
    (sent,) = wait_until(fake_wechat.sent)
    assert sent == {"touser": "openid-3", "msgtype": "text", "text": {"content": WELCOME}}


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_safe_mode_xml_text(wechat_app, fake_wechat):
    encrypted = safe_mode.encrypt(AES_KEY, fake_wechat.appid, xml_text("openid-4", "你好", "4004"))
    body = f"<xml><ToUserName><![CDATA[gh_test]]></ToUserName><Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>"
    response = post(
        wechat_app.test_client(), body.encode(), safe_mode.signed_query(TOKEN, encrypted)
    )
    assert response.get_data(as_text=True) == "success"
    wait_until(fake_wechat.sent)
    assert transcript(wechat_app, "openid-4")[0] == ("user", "你好")


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("problem", ["signature", "msg_signature", "appid", "no_encrypt"])
def test_forged_pushes_are_refused_and_nothing_is_processed(wechat_app, fake_wechat, problem):
    appid = "wx-intruder" if problem == "appid" else fake_wechat.appid
    encrypted = safe_mode.encrypt(AES_KEY, appid, xml_text("openid-5", "你好", "5005"))
    body = f"<xml><Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>".encode()
    query = safe_mode.signed_query(TOKEN, encrypted)
    if problem == "signature":
        query["signature"] = "0" * 40
    elif problem == "msg_signature":
        query["msg_signature"] = safe_mode.signature(TOKEN, "1", "2", encrypted)
    elif problem == "no_encrypt":
        body = xml_text("openid-5", "你好", "5005")
    response = post(wechat_app.test_client(), body, query)
    assert response.status_code == (400 if problem == "no_encrypt" else 403)
    assert response.get_json()["message"]
    assert count(wechat_app, WeChatInbound) == 0
    assert count(wechat_app, Message) == 0


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize(
    "body",
    [
        b"<xml><FromUserName>openid-6",
        b'{"FromUserName": ',
        b"",
        b"<xml><MsgType>text</MsgType></xml>",
    ],
)
def test_malformed_pushes_get_400_and_nothing_is_processed(wechat_app, body):
    response = post(wechat_app.test_client(), body)
    assert response.status_code == 400
    assert response.get_json()["message"] == "消息格式不正确"
    assert count(wechat_app, WeChatInbound) == 0


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_non_text_and_overlong_messages_get_a_hint(wechat_app, fake_wechat):
    image = (
        b"<xml><FromUserName>openid-7</FromUserName><CreateTime>1</CreateTime>"
        b"<MsgType>image</MsgType><PicUrl>http://x/y.jpg</PicUrl><MsgId>7001</MsgId></xml>"
    )
    client = wechat_app.test_client()
    post(client, image)
    wait_until(lambda: len(fake_wechat.sent()) == 1)
    post(client, xml_text("openid-7", "问" * 501, "7002"))
    wait_until(lambda: len(fake_wechat.sent()) == 2)
    assert [m["text"]["content"] for m in fake_wechat.sent()] == [
        TEXT_ONLY,
        TOO_LONG.format(limit=500),
    ]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_number_picks_the_button_of_the_last_line(wechat_app, fake_wechat):
    client = wechat_app.test_client()
    post(client, xml_text("openid-8", "医保怎么报销？", "8001"))
    wait_until(lambda: len(fake_wechat.sent()) == 1)  # the apology, "1. 转人工"
    post(client, xml_text("openid-8", "1", "8002"))
    wait_until(lambda: len(fake_wechat.sent()) == 2)
    lines = transcript(wechat_app, "openid-8")
    assert lines[2] == ("user", "转人工")  # stored under the button's title
    with session_scope(wechat_app.extensions["wenzheng.sessions"]) as db:
        conversation = db.scalar(select(Conversation).where(Conversation.citizen_ref == "openid-8"))
        assert conversation.handoff_state == "waiting"
    assert fake_wechat.sent()[1]["text"]["content"] == lines[3][1]


def test_control_characters_in_a_push_are_stripped_before_storage(wechat_app, fake_wechat):
    """PostgreSQL cannot store NUL: a push carrying one was a 500 there, and WeChat retried."""
    response = sealed_json_push(wechat_app, fake_wechat, {
        "ToUserName": "gh_test",
        "FromUserName": "openid-nul\u0000",
        "CreateTime": 1700000005,
        "MsgType": "text",
        "Content": "\u0000社保卡\u0007怎么补办",
        "MsgId": "5005",
    })
    assert response.get_data(as_text=True) == "success"
    wait_until(fake_wechat.sent)
    assert transcript(wechat_app, "openid-nul")[0] == ("user", "社保卡怎么补办")
