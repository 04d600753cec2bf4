import pytest
from sqlalchemy import select

from bot.models import Conversation
from knowledge_base.db import session_scope


def login(client, body):
    return client.post("/api/v1/wechat/login", json=body)


def test_one_openid_keeps_one_mini_program_conversation(wechat_app, fake_wechat):
    fake_wechat.codes.update({"code-a": "openid-mp", "code-b": "openid-mp", "code-c": "openid-x"})
    client = wechat_app.test_client()
    first = login(client, {"code": "code-a"})
    assert first.status_code == 200
    session_id = first.get_json()["session_id"]
    assert login(client, {"code": "code-b"}).get_json() == {"session_id": session_id}
    other = login(client, {"code": "code-c"}).get_json()["session_id"]
    assert other != session_id
    with session_scope(wechat_app.extensions["wenzheng.sessions"]) as db:
        conversation = db.scalar(select(Conversation).where(Conversation.session_id == session_id))
        assert (conversation.channel, conversation.citizen_ref) == ("miniprogram", "openid-mp")
    # The session id is the citizen's chat session.
    messages = client.get(f"/api/v1/chat/{session_id}/messages")
    assert messages.status_code == 200


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("body", [{}, {"code": ""}, {"code": 12}, {"code": "x" * 300}])
def test_missing_or_bad_code_is_400(wechat_app, body):
    response = login(wechat_app.test_client(), body)
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_code"


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_expired_code_is_400_and_wechat_down_is_502(wechat_app, fake_wechat):
    client = wechat_app.test_client()
    response = login(client, {"code": "never-issued"})
    assert response.status_code == 400
    assert "重新进入小程序" in response.get_json()["message"]
    fake_wechat.stop()
    response = login(client, {"code": "code-a"})
    assert response.status_code == 502
    with session_scope(wechat_app.extensions["wenzheng.sessions"]) as db:
        assert db.scalar(select(Conversation)) is None


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_malformed_json_is_400(wechat_app):
    response = wechat_app.test_client().post(
        "/api/v1/wechat/login", data="{code", content_type="application/json"
    )
    assert response.status_code == 400
