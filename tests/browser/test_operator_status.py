"""The operator's status line says what just happened, nothing older: after a note and then
办结, the page shows 已办结 alone (issue 21: a stale 备注已保存 stood beside it)."""

from __future__ import annotations

import pytest
from auth.helpers import make_user
from handoff.support import seed
from playwright.sync_api import expect

from bot.desk import desk
from bot.models import Conversation, User
from core.db import session_scope
from tests.browser.support import log_in

pytestmark = pytest.mark.browser


def claimed_case(app, operator: str) -> int:
    with app.app_context(), session_scope(app.extensions["wenzheng.sessions"]) as db:
        conversation = Conversation(session_id="note-then-resolve", channel="web")
        db.add(conversation)
        db.commit()
        handoff, _ = desk().open_handoff(db, conversation, "user_request", last_query="退休手续怎么办")
        handoff.department = "shebao"
        db.commit()
        desk().claim(db, handoff.id, db.query(User).filter_by(username=operator).one())
        return handoff.id


@pytest.mark.parametrize("width", [1280, 390])
def test_a_saved_note_does_not_linger_beside_resolved(live_server, browser_page, width):
    page, app = browser_page, live_server.app
    page.set_viewport_size({"width": width, "height": 800})
    seed(app)
    make_user(app, "shebao-op", "operator", department="shebao")
    handoff_id = claimed_case(app, "shebao-op")
    log_in(page, live_server.url, "shebao-op")
    page.goto(f"{live_server.url}/operator/handoffs/{handoff_id}")
    status = page.get_by_role("status")

    page.get_by_label("内部备注（市民不可见）").fill("已电话联系，市民下午补材料")
    page.get_by_role("button", name="保存备注").click()
    expect(status).to_have_text("备注已保存")
    expect(page.locator("#transcript")).to_contain_text("已电话联系")

    page.get_by_role("button", name="办结，交回智能助手").click()
    expect(page.locator("#handoff-state")).to_have_text("已办结")
    expect(status).to_have_count(1)  # one status line, the latest
    expect(status).to_have_text("已办结")
    page.reload()
    expect(status).to_have_count(0)  # a status is said once, not again on the next visit
