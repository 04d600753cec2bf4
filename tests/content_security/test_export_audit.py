"""Issue 14 item 8: every transcript export is in the audit log: who, when, which filter."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.models import Conversation, Handoff, Message
from core.db import session_scope
from knowledge_base.models import AuditEntry


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_transcript_export_is_audited(console_app, signed_in, fmt):
    with session_scope(console_app.extensions["wenzheng.sessions"]) as db:
        conversation = Conversation(session_id="s-export", channel="web")
        db.add(conversation)
        db.flush()
        db.add(Message(conversation_id=conversation.id, role="user", text="我的手机13812345678"))
        db.add(Handoff(conversation_id=conversation.id, reason="user_request",
                       department="shebao", state="resolved"))
    operator = signed_in("op-export", "operator", "shebao")
    query = {"department": "shebao", "since": "2020-01-01", "text": "手机"}
    response = operator.get(f"/operator/review/export.{fmt}", query_string=query)
    assert response.status_code == 200
    with session_scope(console_app.extensions["wenzheng.sessions"]) as db:
        [entry] = db.scalars(select(AuditEntry).where(AuditEntry.action == "transcript_export"))
        assert entry.actor == "op-export" and entry.at is not None
        assert entry.detail["filters"] == query and entry.detail["format"] == fmt
        assert entry.detail["count"] == 1
    admin = signed_in("admin-export", "admin")
    page = admin.get("/console/audit", query_string={"actor": "op-export"}).text
    assert "导出转人工对话记录 1 条" in page
