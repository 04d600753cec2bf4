import json
import time
import uuid

import pytest

from bot.wechat.client import RedisTokenStore, WeChatClient, WeChatError

REDIS_URL = "redis://127.0.0.1:6379/0"


def make_client(fake, **kwargs) -> WeChatClient:
    return WeChatClient(fake.base_url, fake.appid, fake.secret, timeout=5, **kwargs)


def test_token_is_fetched_once_and_reused(fake_wechat):
    client = make_client(fake_wechat)
    client.send_text("openid-1", "第一条")
    client.send_text("openid-1", "第二条")
    tokens = fake_wechat.calls("/cgi-bin/token")
    assert len(tokens) == 1
    assert tokens[0].query == {
        "grant_type": "client_credential",
        "appid": fake_wechat.appid,
        "secret": fake_wechat.secret,
    }
    sends = fake_wechat.calls("/cgi-bin/message/custom/send")
    assert [r.query["access_token"] for r in sends] == ["TOKEN-1", "TOKEN-1"]


def test_exact_payload_is_raw_utf8_json(fake_wechat):
    make_client(fake_wechat).send_text("openid-1", "社保卡怎么办理？")
    (record,) = fake_wechat.calls("/cgi-bin/message/custom/send")
    assert "社保卡".encode() in record.body  # not \\u escapes
    assert json.loads(record.body) == {
        "touser": "openid-1",
        "msgtype": "text",
        "text": {"content": "社保卡怎么办理？"},
    }


@pytest.mark.parametrize("errcode", [40001, 42001])
def test_invalid_token_is_refreshed_and_the_send_retried_once(fake_wechat, errcode):
    client = make_client(fake_wechat)
    client.send_text("openid-1", "一")
    if errcode == 42001:
        fake_wechat.expire_tokens()
    else:
        fake_wechat.send_failures.append(40001)
    client.send_text("openid-1", "二")
    assert len(fake_wechat.calls("/cgi-bin/token")) == 2
    assert [m["text"]["content"] for m in fake_wechat.sent()] == ["一", "二"]


def test_token_error_twice_in_a_row_gives_up(fake_wechat):
    client = make_client(fake_wechat)
    fake_wechat.send_failures.extend([40001, 40001])
    with pytest.raises(WeChatError) as caught:
        client.send_text("openid-1", "一")
    assert caught.value.errcode == 40001
    assert len(fake_wechat.calls("/cgi-bin/message/custom/send")) == 2


def test_other_errors_are_not_retried(fake_wechat):
    fake_wechat.send_failures.append(45015)  # reply window (48 hours) has passed
    with pytest.raises(WeChatError) as caught:
        make_client(fake_wechat).send_text("openid-1", "一")
    assert caught.value.errcode == 45015
    assert len(fake_wechat.calls("/cgi-bin/message/custom/send")) == 1


def test_token_is_refreshed_before_it_expires(fake_wechat):
    fake_wechat.expires_in = 2  # shorter than the margin: cached for half its life
    client = make_client(fake_wechat)
    client.send_text("openid-1", "一")
    client.send_text("openid-1", "二")
    assert len(fake_wechat.calls("/cgi-bin/token")) == 1
    time.sleep(1.1)
    client.send_text("openid-1", "三")
    assert len(fake_wechat.calls("/cgi-bin/token")) == 2


def test_wrong_secret_and_unreachable_server_raise(fake_wechat):
    client = WeChatClient(fake_wechat.base_url, fake_wechat.appid, "wrong", timeout=5)
    with pytest.raises(WeChatError) as caught:
        client.send_text("openid-1", "一")
    assert caught.value.errcode == 40125
    fake_wechat.stop()
    with pytest.raises(WeChatError) as caught:
        make_client(fake_wechat).send_text("openid-1", "一")
    assert caught.value.errcode is None


def test_login_code_exchange(fake_wechat):
    fake_wechat.codes["code-1"] = "openid-42"
    client = make_client(fake_wechat)
    assert client.code_to_openid("code-1") == "openid-42"
    (record,) = fake_wechat.calls("/sns/jscode2session")
    assert record.query == {
        "appid": fake_wechat.appid,
        "secret": fake_wechat.secret,
        "js_code": "code-1",
        "grant_type": "authorization_code",
    }
    with pytest.raises(WeChatError) as caught:
        client.code_to_openid("code-1")  # codes work once
    assert caught.value.errcode == 40029


def test_redis_token_store_shares_one_token_between_processes(fake_wechat):
    appid = f"wx-{uuid.uuid4().hex[:8]}"
    first = make_client(fake_wechat, token_store=RedisTokenStore(REDIS_URL, appid))
    second = make_client(fake_wechat, token_store=RedisTokenStore(REDIS_URL, appid))
    try:
        first.send_text("openid-1", "一")
        second.send_text("openid-1", "二")
        assert len(fake_wechat.calls("/cgi-bin/token")) == 1
        fake_wechat.expire_tokens()
        second.send_text("openid-1", "三")
        first.send_text("openid-1", "四")
        assert len(fake_wechat.calls("/cgi-bin/token")) == 2
        assert [m["text"]["content"] for m in fake_wechat.sent()] == ["一", "二", "三", "四"]
    finally:
        first.tokens.client.delete(first.tokens.name)
