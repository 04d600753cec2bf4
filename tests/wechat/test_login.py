import pytest
from sqlalchemy import select

from bot.models import Conversation
from core.db import session_scope

pytestmark = pytest.mark.fake_embedder  # no ranking asserted: no 471 MB model


def login(client, body):
    return client.post("/api/v1/wechat/login", json=body)


def test_one_openid_keeps_one_mini_program_conversation(wechat_app, fake_wechat):
    fake_wechat.codes.update({"code-a": "openid-mp", "code-b": "openid-mp", "code-c": "openid-x"})
    client = wechat_app.test_client()
    first = login(client, {"code": "code-a"})
    assert first.status_code == 200
    session_id = first.get_json()["session_id"]
    again = login(client, {"code": "code-b"}).get_json()
    assert again == {
        "session_id": session_id,
        "max_chars": 500,
        "subscribe_templates": [],
        "dev_login": False,
    }
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


def test_new_conversation_starts_another_one_that_becomes_current(wechat_app, fake_wechat):
    fake_wechat.codes.update({"c1": "openid-n", "c2": "openid-n", "c3": "openid-n"})
    client = wechat_app.test_client()
    first = login(client, {"code": "c1"}).get_json()["session_id"]
    fresh = login(client, {"code": "c2", "new_conversation": True}).get_json()["session_id"]
    assert fresh != first
    assert login(client, {"code": "c3"}).get_json()["session_id"] == fresh


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_dev_login_needs_no_wechat_and_keeps_one_conversation_per_device(
    make_app, wechat_settings, database_url, fake_wechat
):
    app = make_app(
        DATABASE_URL=database_url,
        **{**wechat_settings, "WECHAT_APPID": "", "WECHAT_SECRET": "", "WECHAT_DEV_LOGIN": True},
    )
    client = app.test_client()
    body = {"code": "devtools", "dev_user": "device-0123456789"}
    first = login(client, body).get_json()
    assert first["dev_login"] is True
    assert login(client, body).get_json()["session_id"] == first["session_id"]
    other = login(client, {**body, "dev_user": "device-abcdefghij"}).get_json()["session_id"]
    assert other != first["session_id"]
    assert fake_wechat.calls("/sns/jscode2session") == []
    for bad in (None, "short", "x" * 65, "has space 123", "中文中文中文中文中文"):
        response = login(client, {**body, "dev_user": bad})
        assert (response.status_code, response.get_json()["error"]) == (400, "invalid_dev_user")
    # The conversation is a real mini-program one: the chat API takes it.
    reply = client.post("/api/v1/chat", json={"session_id": first["session_id"], "text": "你好"})
    assert reply.status_code == 200


@pytest.mark.parametrize(
    "production", ["postgres", "env"], ids=["postgresql-database", "WENZHENG_ENV"]
)
def test_dev_login_is_refused_in_production(
    make_app, wechat_settings, tmp_path, monkeypatch, request, production
):
    if production == "postgres":
        database_url = request.getfixturevalue("postgres_url")
    else:
        database_url = f"sqlite:///{tmp_path / 'prod.db'}"
        monkeypatch.setenv("WENZHENG_ENV", "production")
    app = make_app(DATABASE_URL=database_url, **wechat_settings, WECHAT_DEV_LOGIN=True)
    response = login(app.test_client(), {"code": "devtools", "dev_user": "device-0123456789"})
    assert response.status_code == 403
    assert response.get_json()["error"] == "dev_login_refused"
    assert "生产环境" in response.get_json()["message"]
    with session_scope(app.extensions["wenzheng.sessions"]) as db:
        assert db.scalar(select(Conversation)) is None
    app.extensions["wenzheng.engine"].dispose()
