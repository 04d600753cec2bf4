"""The supervisor runs the handoff watch: overdue conversations get 督办 with no command."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bench.stack import SupervisedStack, stack_env
from bot.desk import desk
from bot.models import Handoff
from core.db import utcnow
from knowledge_base.models import AuditEntry
from tests.handoff.support import add_conversation, closed_port_url, seed

pytestmark = pytest.mark.integration


def test_supervised_stack_escalates_an_overdue_handoff_by_itself(make_app, tmp_path: Path):
    env = stack_env(tmp_path / "home", WENZHENG_WATCH_INTERVAL="1")
    app = make_app(HOME=env["WENZHENG_HOME"], RASA_URL=closed_port_url())
    seed(app)
    sessions = app.extensions["wenzheng.sessions"]
    with app.app_context():
        db = sessions()
        conversation = add_conversation(db, "s-forgotten")
        # Waiting for a week: far beyond any department's first-response limit.
        desk().open_handoff(db, conversation, "user_request", now=utcnow() - timedelta(days=7))
        db.close()

    supervised = SupervisedStack(env, only=["app", "watch"])
    try:
        supervised.start()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with sessions() as db:
                if db.scalar(select(Handoff.escalated_at)) is not None:
                    break
            time.sleep(0.5)
    finally:
        supervised.stop()

    with sessions() as db:
        assert db.scalar(select(Handoff.escalated_at)) is not None
        assert db.scalar(select(AuditEntry.action)) == "handoff_escalated"
    log = (Path(env["WENZHENG_HOME"]) / "supervisor.log").read_text()
    assert "限时督办" in log and "已停止" in log
    assert (Path(env["WENZHENG_HOME"]) / "logs" / "watch.log").exists()
