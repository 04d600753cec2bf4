"""Issue 14 item 7: the WeChat callback refuses old timestamps, replayed nonces and, when an
EncodingAESKey is configured, plaintext bodies."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select

from bot.wechat.models import WeChatInbound
from core.db import session_scope
from tests.wechat import safe_mode
from tests.wechat.conftest import AES_KEY, TOKEN

MESSAGE = (b"<xml><ToUserName><![CDATA[gh_test]]></ToUserName><FromUserName><![CDATA[openid-r]]>"
           b"</FromUserName><CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]></MsgType>"
           b"<Content><![CDATA[\xe4\xbd\xa0\xe5\xa5\xbd]]></Content><MsgId>%d</MsgId></xml>")


def stored(app) -> int:
    with session_scope(app.extensions["wenzheng.sessions"]) as db:
        return db.scalar(select(func.count()).select_from(WeChatInbound))


def push(client, query, body):
    return client.post("/wechat/callback", query_string=query, data=body,
                       content_type="text/xml")


@pytest.mark.parametrize("skew", [-301, 301, 86_400])
def test_timestamp_outside_the_window_is_refused(wechat_app, fake_wechat, skew):
    encrypted = safe_mode.encrypt(AES_KEY, fake_wechat.appid, MESSAGE % 1)
    body = f"<xml><Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>".encode()
    query = safe_mode.signed_query(TOKEN, encrypted, timestamp=str(int(time.time()) + skew))
    response = push(wechat_app.test_client(), query, body)
    assert response.status_code == 403
    assert response.get_json()["error"] == "stale_timestamp"
    assert stored(wechat_app) == 0
    # The URL check (GET) is held to the same window.
    old = safe_mode.signed_query(TOKEN, timestamp=str(int(time.time()) + skew), echostr="e")
    assert wechat_app.test_client().get("/wechat/callback", query_string=old).status_code == 403


def test_a_replayed_push_is_refused(wechat_app, fake_wechat):
    client = wechat_app.test_client()
    query, body = safe_mode.sealed(TOKEN, AES_KEY, fake_wechat.appid, MESSAGE % 2)
    assert push(client, query, body).status_code == 200
    again = push(client, query, body)
    assert again.status_code == 403 and again.get_json()["error"] == "replayed_request"
    assert stored(wechat_app) == 1


def test_a_nonce_is_remembered_across_a_restart(make_app, wechat_settings, database_url,
                                                fake_wechat):
    query, body = safe_mode.sealed(TOKEN, AES_KEY, fake_wechat.appid, MESSAGE % 3)
    first = make_app(DATABASE_URL=database_url, **wechat_settings)
    assert push(first.test_client(), query, body).status_code == 200
    first.extensions["wenzheng.wechat"].shutdown()
    restarted = make_app(DATABASE_URL=database_url, **wechat_settings)
    assert push(restarted.test_client(), query, body).status_code == 403
    restarted.extensions["wenzheng.wechat"].shutdown()


def test_nonces_are_shared_through_redis(make_app, wechat_settings, database_url, fake_wechat):
    import redis

    redis_url = "redis://127.0.0.1:6379/0"
    query, body = safe_mode.sealed(TOKEN, AES_KEY, fake_wechat.appid, MESSAGE % 4)
    apps = [make_app(DATABASE_URL=database_url, REDIS_URL=redis_url, **wechat_settings)
            for _ in range(2)]
    try:
        assert push(apps[0].test_client(), query, body).status_code == 200
        assert push(apps[1].test_client(), query, body).status_code == 403
        keys = redis.Redis.from_url(redis_url).keys("wenzheng:wechat-nonce:*")
        assert keys and all(redis.Redis.from_url(redis_url).ttl(k) > 0 for k in keys)
    finally:
        for app in apps:
            app.extensions["wenzheng.wechat"].shutdown()


def test_plaintext_is_refused_when_safe_mode_is_configured(wechat_app):
    response = push(wechat_app.test_client(), safe_mode.signed_query(TOKEN), MESSAGE % 5)
    assert response.status_code == 400
    assert response.get_json()["message"] == "已启用安全模式，不接受明文消息"
    assert stored(wechat_app) == 0


def test_plaintext_mode_without_a_key_still_works(make_app, wechat_settings, database_url):
    app = make_app(DATABASE_URL=database_url, **{**wechat_settings, "WECHAT_ENCODING_AES_KEY": ""})
    try:
        response = push(app.test_client(), safe_mode.signed_query(TOKEN), MESSAGE % 6)
        assert response.status_code == 200 and stored(app) == 1
    finally:
        app.extensions["wenzheng.wechat"].shutdown()
