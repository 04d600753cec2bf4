"""`/wechat/callback`: forged signatures, malformed and malicious XML/JSON, replays."""

from __future__ import annotations

import json
import os
import time
from xml.sax.saxutils import escape

from hypothesis import given
from hypothesis import strategies as st

from tests.security.conftest import WECHAT_AES_KEY, WECHAT_TOKEN
from tests.security.strategies import hostile_text, long_line
from tests.wechat import safe_mode

ROUTE = "/wechat/callback"
BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY a "aaaaaaaaaa">'
    + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(8))
    + "]><xml><Content>&i;</Content></xml>"
)
EXTERNAL_ENTITY = (
    '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
    "<xml><FromUserName>o</FromUserName><MsgType>text</MsgType><Content>&e;</Content></xml>"
)


def _xml(openid: str, content: str, msg_id: str) -> str:
    return (f"<xml><ToUserName>gh_x</ToUserName><FromUserName>{escape(openid)}</FromUserName>"
            f"<CreateTime>{int(time.time())}</CreateTime><MsgType>text</MsgType>"
            f"<Content>{escape(content)}</Content><MsgId>{msg_id}</MsgId></xml>")


def _query(encrypted: str | None = None) -> dict[str, str]:
    timestamp, nonce = str(int(time.time())), os.urandom(6).hex()
    query = {"timestamp": timestamp, "nonce": nonce,
             "signature": safe_mode.signature(WECHAT_TOKEN, timestamp, nonce)}
    if encrypted is not None:
        query |= {"encrypt_type": "aes",
                  "msg_signature": safe_mode.signature(WECHAT_TOKEN, timestamp, nonce, encrypted)}
    return query


def _encrypted(inner: bytes, appid: str) -> tuple[bytes, dict[str, str]]:
    encrypted = safe_mode.encrypt(WECHAT_AES_KEY, appid, inner)
    body = f"<xml><ToUserName>gh_x</ToUserName><Encrypt>{encrypted}</Encrypt></xml>".encode()
    return body, _query(encrypted)


def _encode(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


plain_bodies = st.one_of(
    st.binary(max_size=400).map(lambda b: ("invalid UTF-8 / raw bytes", b)),
    st.sampled_from([BILLION_LAUGHS, EXTERNAL_ENTITY]).map(lambda x: ("XML entities", x.encode())),
    st.integers(10, 50_000).map(
        lambda n: ("deeply nested", ("<xml>" + "<a>" * n + "</a>" * n + "</xml>").encode())),
    st.tuples(hostile_text, hostile_text).map(
        lambda t: ("control characters and odd text", _encode(_xml(t[0] or "o", t[1], "1")))),
    st.integers(1, 400).map(
        lambda n: ("truncated XML", _xml("o", "社保卡怎么补办", "2").encode()[:n])),
    long_line.map(lambda text: ("very long lines", _xml("o", text, "3").encode())),
    st.dictionaries(hostile_text, hostile_text | st.integers(), max_size=6).map(
        lambda d: ("wrong types", _encode(json.dumps(d, ensure_ascii=False)))),
)


def test_forged_signatures_are_refused(target):
    @given(st.dictionaries(st.sampled_from(["signature", "timestamp", "nonce", "msg_signature",
                                            "encrypt_type"]), hostile_text, max_size=5))
    def attempt(query):
        before = target.counts()
        response = target.send(ROUTE, "wrong signatures", "POST", ROUTE, params=query,
                               data=_xml("o", "社保", "9").encode())
        assert response.status_code in (400, 403)
        check = target.send(ROUTE, "wrong signatures", "GET", ROUTE,
                            params=query | {"echostr": "x"})
        assert check.status_code in (400, 403)
        target.unchanged(before, ROUTE, "wrong signatures")

    attempt()


def test_signed_but_malformed_bodies(target):
    @given(plain_bodies)
    def attempt(example):
        kind, body = example
        before = target.settled_counts()
        response = target.send(ROUTE, kind, "POST", ROUTE, params=_query(), data=body,
                               headers={"Content-Type": "text/xml"})
        if response.status_code >= 400:
            target.unchanged(before, ROUTE, kind)

    attempt()


def test_encrypted_hostile_messages(target, fake_wechat):
    @given(hostile_text, hostile_text | long_line, st.booleans())
    def attempt(openid, content, foreign_appid):
        kind = "encrypted, foreign appid" if foreign_appid else "encrypted, hostile content"
        appid = "wx-intruder" if foreign_appid else fake_wechat.appid
        inner = _encode(_xml(openid or "o", content, str(time.time_ns())))
        body, query = _encrypted(inner, appid)
        before = target.settled_counts()
        response = target.send(ROUTE, kind, "POST", ROUTE, params=query, data=body)
        if response.status_code >= 400:
            target.unchanged(before, ROUTE, kind)
        if foreign_appid:  # refused: as foreign, or first as too large to read
            assert response.status_code in (403, 413), response.status_code

    attempt()


def test_replayed_message_is_processed_once(target, fake_wechat):
    inner = _xml("openid-replay", "社保卡怎么补办", "770077").encode()
    body, query = _encrypted(inner, fake_wechat.appid)
    first = target.send(ROUTE, "replayed messages", "POST", ROUTE, params=query, data=body)
    assert first.status_code == 200
    settled = target.settled_counts()
    for _ in range(3):
        target.send(ROUTE, "replayed messages", "POST", ROUTE, params=query, data=body)
    assert target.settled_counts()["wechat_inbound"] == settled["wechat_inbound"]
