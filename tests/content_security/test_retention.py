"""Issue 14 item 8: `flask --app bot privacy purge` clears citizen text past the retention in
transcripts, handoffs, WeChat pushes, query logs and Rasa's tracker store, on both stores."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import create_engine, select, text

from bot.models import Conversation, Handoff, Message, QueryLog
from bot.retention import PURGED, tracker_engine
from bot.wechat.models import WeChatInbound
from core.db import session_scope, utcnow

OLD_TEXT = "我叫张三，身份证110101199003071234，住在幸福路8号"
NEW_TEXT = "我叫李四，手机13812345678"


@pytest.fixture
def purge_app(make_app, database_url: str) -> Flask:
    # PostgreSQL + Redis is the production mode: Rasa's tracker lives in the app database.
    redis = "redis://127.0.0.1:6379/0" if database_url.startswith("postgresql") else None
    app = make_app(DATABASE_URL=database_url, REDIS_URL=redis)
    yield app
    app.extensions["wenzheng.wechat"].shutdown()


def seed(app: Flask, days_ago: int, citizen: str, tag: str, number: str) -> None:
    at = utcnow() - timedelta(days=days_ago)
    with session_scope(app.extensions["wenzheng.sessions"]) as db:
        conversation = Conversation(session_id=f"s-{tag}", channel="wechat", created_at=at)
        db.add(conversation)
        db.flush()
        db.add_all([
            Message(conversation_id=conversation.id, role="user", text=citizen, created_at=at),
            Message(conversation_id=conversation.id, role="operator", created_at=at,
                    text=f"您登记的号码{number}已收到。"),
            Handoff(conversation_id=conversation.id, reason="user_request", last_query=citizen,
                    bot_context={"turns": [citizen]}, rating_comment=citizen, created_at=at),
            WeChatInbound(msg_key=f"m-{tag}", openid="o1", msg_type="text", content=citizen,
                          received_at=at),
            QueryLog(session_id=f"s-{tag}", query=citizen, decision="answer", confidence=0.9,
                     created_at=at),
        ])
    engine = tracker_engine(app.config) or _create_sqlite_tracker(app)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE IF NOT EXISTS events (id SERIAL PRIMARY KEY, "
                          "sender_id VARCHAR(255), type_name VARCHAR(255), timestamp FLOAT, "
                          "intent_name VARCHAR(255), action_name VARCHAR(255), data TEXT)")
                     if engine.dialect.name == "postgresql" else
                     text("CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY, "
                          "sender_id VARCHAR(255), type_name VARCHAR(255), timestamp FLOAT, "
                          "intent_name VARCHAR(255), action_name VARCHAR(255), data TEXT)"))
        conn.execute(text("INSERT INTO events (sender_id, type_name, timestamp, data) "
                          "VALUES (:s, 'user', :t, :d)"),
                     {"s": f"s-{tag}", "t": time.time() - days_ago * 86400,
                      "d": json.dumps({"event": "user", "text": citizen}, ensure_ascii=False)})
    engine.dispose()


def _create_sqlite_tracker(app: Flask):
    path = Path(app.config["HOME"]) / "rasa" / "tracker.db"
    path.parent.mkdir(parents=True, exist_ok=True)
    return create_engine(f"sqlite:///{path}")


def everything(app: Flask) -> str:
    """All stored text of the app and Rasa's tracker, as one string to search."""
    with session_scope(app.extensions["wenzheng.sessions"]) as db:
        parts = [m.text for m in db.scalars(select(Message))]
        parts += [f"{h.last_query}{h.bot_context}{h.rating_comment}" for h in db.scalars(select(Handoff))]
        parts += [w.content for w in db.scalars(select(WeChatInbound))]
        parts += [q.query for q in db.scalars(select(QueryLog))]
    engine = tracker_engine(app.config)
    with engine.connect() as conn:
        parts += [row[0] for row in conn.execute(text("SELECT data FROM events"))]
    engine.dispose()
    return "\n".join(parts)


def test_purge_clears_old_citizen_text_everywhere_and_keeps_recent(purge_app):
    seed(purge_app, 200, OLD_TEXT, "old", "110101199003071234")
    seed(purge_app, 3, NEW_TEXT, "new", "13812345678")
    result = purge_app.test_cli_runner().invoke(args=["privacy", "purge", "--older-than", "30"])
    assert result.exit_code == 0, result.output
    stored = everything(purge_app)
    assert "张三" not in stored and "110101199003071234" not in stored
    assert "李四" in stored and stored.count(NEW_TEXT) >= 5  # recent text untouched
    assert PURGED in stored
    assert "市民消息：1/1 条" in result.output and "条/秒" in result.output
    assert "清除完成：市民消息 1 条" in result.output
    assert "查询日志删除 1 条" in result.output and "Rasa 对话事件删除 1 条" in result.output
    # Running it again changes nothing more.
    again = purge_app.test_cli_runner().invoke(args=["privacy", "purge", "--older-than", "30"])
    assert "清除完成：市民消息 0 条" in again.output


def test_retention_setting_is_the_default(make_app, tmp_path):
    app = make_app(PRIVACY_RETENTION_DAYS=0)
    result = app.test_cli_runner().invoke(args=["privacy", "purge"])
    assert result.exit_code != 0 and "--older-than" in result.output
    app.extensions["wenzheng.wechat"].shutdown()
