"""An operator landing on their own department's tab sees the safety case of another
department at the top, at desktop and phone widths."""

from __future__ import annotations

import pytest
from auth.helpers import make_user
from handoff.support import seed
from playwright.sync_api import expect

from bot.desk import desk
from bot.models import Conversation
from core.db import session_scope
from tests.browser.support import log_in

pytestmark = pytest.mark.browser

DANGER = "我站在天台上，不想活了"


def open_case(app, session_id: str, query: str, reason: str, department: str) -> None:
    with app.app_context(), session_scope(app.extensions["wenzheng.sessions"]) as db:
        conversation = Conversation(session_id=session_id, channel="web")
        db.add(conversation)
        db.commit()
        handoff, _ = desk().open_handoff(db, conversation, reason, last_query=query)
        handoff.department = department
        db.commit()


@pytest.mark.parametrize("width", [1280, 390])
def test_a_safety_case_elsewhere_is_visible_on_landing(live_server, browser_page, width):
    page, app = browser_page, live_server.app
    page.set_viewport_size({"width": width, "height": 800})
    seed(app)
    make_user(app, "shebao-op", "operator", department="shebao")
    open_case(app, "own-1", "养老保险怎么补缴", "user_request", "shebao")
    open_case(app, "other-1", DANGER, "safety", "yibao")
    open_case(app, "other-2", "异地就医怎么备案", "user_request", "yibao")

    log_in(page, live_server.url, "shebao-op")

    urgent = page.locator(".urgent-cases")
    expect(urgent).to_be_visible()
    expect(urgent).to_contain_text(DANGER)
    expect(urgent).to_contain_text("安全风险")
    expect(urgent).to_contain_text("医保")
    assert urgent.bounding_box()["y"] < page.get_by_text("养老保险怎么补缴").bounding_box()["y"]
    assert urgent.bounding_box()["x"] + urgent.bounding_box()["width"] <= width  # not cut off
    expect(urgent.get_by_role("button", name="接手")).to_be_visible()
    expect(page.locator("#elsewhere")).to_contain_text("其他部门还有 2 个会话等待接手")
    expect(page.get_by_role("link", name="医保 2").first).to_be_visible()
