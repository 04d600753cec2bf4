import pytest

from bot.wechat.messages import (
    MAX_TEXT_BYTES,
    MalformedMessage,
    button_for_reply,
    parse_fields,
    render_message,
    split_text,
    to_inbound,
)

XML_TEXT = b"""<xml>
  <ToUserName><![CDATA[gh_abc]]></ToUserName>
  <FromUserName><![CDATA[openid-1]]></FromUserName>
  <CreateTime>1700000000</CreateTime>
  <MsgType><![CDATA[text]]></MsgType>
  <Content><![CDATA[\xe5\x85\xac\xe7\xa7\xaf\xe9\x87\x91\xe6\x80\x8e\xe4\xb9\x88\xe6\x8f\x90\xe5\x8f\x96\xef\xbc\x9f]]></Content>
  <MsgId>23456789012345678</MsgId>
</xml>"""


def test_parses_xml_and_json_pushes_alike():
    json_body = (
        '{"ToUserName": "gh_abc", "FromUserName": "openid-1", "CreateTime": 1700000000,'
        ' "MsgType": "text", "Content": "公积金怎么提取？", "MsgId": 23456789012345678}'
    ).encode()
    from_xml, from_json = to_inbound(parse_fields(XML_TEXT)), to_inbound(parse_fields(json_body))
    assert from_xml == from_json
    assert from_xml == {
        "key": "23456789012345678",
        "openid": "openid-1",
        "msg_type": "text",
        "content": "公积金怎么提取？",
        "event": "",
    }


def test_event_key_is_sender_and_time():
    fields = parse_fields(
        b'{"FromUserName": "openid-1", "CreateTime": 1700000001, "MsgType": "event",'
        b' "Event": "user_enter_tempsession", "SessionFrom": "chat"}'
    )
    inbound = to_inbound(fields)
    assert inbound["key"] == "openid-1:1700000001:user_enter_tempsession"
    assert inbound["event"] == "user_enter_tempsession"


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"hello",
        b"<xml><FromUserName>x</FromUserName>",
        b"{not json",
        b"[1, 2]",
        b"<root><a>1</a></root>",
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><xml><Content>&a;</Content></xml>',
        b"\xff\xfe<xml/>",
    ],
)
def test_malformed_bodies_are_refused(body):
    with pytest.raises((MalformedMessage, UnicodeDecodeError)):
        parse_fields(body)


def test_push_without_sender_or_type_is_refused():
    with pytest.raises(MalformedMessage):
        to_inbound({"MsgType": "text", "Content": "hi"})
    with pytest.raises(MalformedMessage):
        to_inbound({"FromUserName": "openid-1"})


def test_renders_citations_as_lines_with_links():
    payload = {
        "citations": [
            {
                "n": 1,
                "title": "中华人民共和国社会保险法",
                "locator": "第十二条",
                "url": "https://flk.npc.gov.cn/shbxf",
                "version": "2018-12-29",
            },
            {"n": 2, "title": "住房公积金管理条例", "locator": "", "url": "", "version": ""},
        ]
    }
    text = render_message("职工应当参加基本养老保险[1]。", payload)
    assert text == (
        "职工应当参加基本养老保险[1]。\n\n参考来源：\n"
        "[1] 《中华人民共和国社会保险法》第十二条（2018-12-29） https://flk.npc.gov.cn/shbxf\n"
        "[2] 《住房公积金管理条例》"
    )


def test_buttons_become_numbered_choices_answered_by_number():
    payload = {
        "buttons": [
            {"title": "有帮助", "payload": "/feedback_helpful"},
            {"title": "转人工", "payload": "/request_human"},
        ]
    }
    assert render_message("请问还有什么问题？", payload).endswith(
        "请回复序号选择：\n1. 有帮助\n2. 转人工"
    )
    assert button_for_reply(" 2 ", payload) == payload["buttons"][1]
    assert button_for_reply("3", payload) is None
    assert button_for_reply("0", payload) is None
    assert button_for_reply("2", {}) is None
    assert button_for_reply("转人工", payload) is None


def test_long_text_splits_at_sentence_ends_within_the_byte_limit():
    sentence = "参加职工基本养老保险的个人达到法定退休年龄时累计缴费满十五年的按月领取基本养老金。"
    text = sentence * 40  # about 4.9 KB of UTF-8
    parts = split_text(text)
    assert len(parts) == 3
    assert all(len(p.encode()) <= MAX_TEXT_BYTES for p in parts)
    assert all(p.endswith("。") for p in parts)
    assert "".join(parts) == text


def test_a_sentence_longer_than_the_limit_is_cut_between_characters():
    text = "社" * 1000  # 3000 bytes, no sentence end
    parts = split_text(text)
    assert [len(p) for p in parts] == [682, 318]
    assert "".join(parts) == text


def test_short_and_empty_texts():
    assert split_text("你好。") == ["你好。"]
    assert split_text("  \n ") == []
