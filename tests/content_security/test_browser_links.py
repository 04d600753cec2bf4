"""Issue 14 item 2 in Chromium: a planted ``javascript:`` link runs no script, and every page
still works under the Content-Security-Policy (no violation logged)."""

from __future__ import annotations

import pytest
from auth.helpers import PASSWORD, make_user
from sqlalchemy import update

from bot.models import Conversation, Handoff, Message
from core.db import session_scope
from knowledge_base import store
from knowledge_base.models import Item, Kind
from knowledge_base.records import ItemData

pytestmark = pytest.mark.browser

PLANTED = "javascript:window.__planted = 1; alert('planted')"


def plant(app) -> tuple[int, int]:
    """A FAQ and a handoff whose source links are written straight into the rows."""
    with session_scope(app.extensions["wenzheng.sessions"]) as db:
        item, _ = store.store_revision(db, ItemData(
            external_id="faq-planted", kind=Kind.FAQ, title="居住证怎么办", question="居住证怎么办",
            alt_questions=[], body="到派出所办理。", department="huji", tags=[],
            url="https://www.gov.cn/"), "editor")
        db.flush()
        db.execute(update(Item).where(Item.id == item.id).values(url=PLANTED))
        conversation = Conversation(session_id="planted-session", channel="web")
        db.add(conversation)
        db.flush()
        db.add(Message(conversation_id=conversation.id, role="user", text="居住证怎么办"))
        db.add(Message(conversation_id=conversation.id, role="bot", text="到派出所办理[1]。",
                       payload={"citations": [{"n": 1, "title": "居住证办法", "locator": "第九条",
                                               "url": PLANTED}]}))
        handoff = Handoff(conversation_id=conversation.id, reason="user_request",
                          department="huji", last_query="居住证怎么办")
        db.add(handoff)
        db.flush()
        return item.id, handoff.id


def watch(page) -> dict[str, list[str]]:
    """Collect CSP violations (Chromium logs them as console errors) and dialogs."""
    seen: dict[str, list[str]] = {"csp": [], "dialogs": []}
    page.on("console", lambda msg: seen["csp"].append(msg.text)
            if "Content Security Policy" in msg.text else None)
    page.on("dialog", lambda dialog: (seen["dialogs"].append(dialog.message), dialog.dismiss()))
    return seen


def log_in(page, url: str, username: str) -> None:
    page.goto(f"{url}/auth/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()


def test_planted_links_run_no_script_and_pages_raise_no_csp_violation(live_server, browser_page):
    page, url = browser_page, live_server.url
    item_id, handoff_id = plant(live_server.app)
    make_user(live_server.app, "admin1", "admin")
    seen = watch(page)

    page.goto(url + "/")  # the citizen chat page
    page.locator("#composer-input").wait_for()
    log_in(page, url, "admin1")
    for path in ("/console/", "/console/items", "/console/review", "/console/test",
                 "/console/transfer", "/console/audit", "/console/users", "/operator/",
                 "/operator/review"):
        page.goto(url + path)
        page.wait_for_load_state()

    for path, link_text in ((f"/console/items/{item_id}", "javascript:"),
                            (f"/operator/handoffs/{handoff_id}", "原文")):
        page.goto(url + path)
        page.wait_for_load_state()
        assert page.locator("a[href^='javascript:' i]").count() == 0, path
        shown = page.get_by_text(link_text).first
        if shown.count():
            shown.click()
            page.wait_for_timeout(300)
        assert page.evaluate("window.__planted") is None, path

    # Defence in depth: even an href a template forgot to filter is blocked by the CSP.
    with page.expect_console_message(lambda msg: "Content Security Policy" in msg.text):
        page.evaluate("""() => { const a = document.createElement('a');
            a.href = "javascript:window.__planted = 1"; a.textContent = 'x';
            document.body.append(a); a.click(); }""")
    assert page.evaluate("window.__planted") is None
    assert seen["dialogs"] == []
    violations = [text for text in seen["csp"] if "javascript:" not in text]
    assert violations == []  # only the deliberately blocked javascript: navigation
    assert any("javascript:" in text or "inline" in text for text in seen["csp"])
