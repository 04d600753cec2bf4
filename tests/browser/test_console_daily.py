"""A working day in the staff console, in chromium: reviewing a revision, lists and layout."""

from __future__ import annotations

import pytest
from auth.helpers import make_user

from core.db import session_scope
from knowledge_base import workflow
from knowledge_base.models import Kind
from knowledge_base.records import ItemData
from tests.browser.test_console_review import log_in

pytestmark = pytest.mark.browser

ANSWER = "单位和职工的缴存比例均为5%至12%。具体比例由单位在规定范围内确定。"
ADDED = "新参加工作的职工从参加工作的第二个月开始缴存。"


def seed(app) -> dict[str, int]:
    """A live FAQ with a submitted revision (one sentence added), a rejected draft, and a
    long audit trail; returns the ids of the revision and the rejected draft."""
    with session_scope(app.extensions["wenzheng.sessions"]) as db:
        data = ItemData(external_id="faq-gjj", kind=Kind.FAQ, title="公积金缴存比例",
                        question="住房公积金的缴存比例是多少？", alt_questions=["公积金交多少"],
                        body=ANSWER, department="公积金", tags=["公积金", "缴存"])
        live = workflow.save_draft(db, data, "ed")
        workflow.submit(db, live, "ed")
        workflow.approve(db, live, "rev0", "核对无误")
        revision = workflow.save_draft(
            db, {**data, "body": ANSWER.replace("。具体", f"。{ADDED}具体"),
                 "alt_questions": ["公积金交多少", "公积金比例" * 30],
                 "fields": {"在线办理": "https://www.gov.cn/zhengce/" + "gjj" * 70}}, "ed")
        workflow.submit(db, revision, "ed")
        rejected = workflow.save_draft(db, ItemData(
            external_id="faq-sbk", kind=Kind.FAQ, title="社保卡丢了怎么办", question="社保卡丢了怎么办",
            alt_questions=[], body="先挂失。", department="社保", tags=[]), "ed")
        workflow.submit(db, rejected, "ed")
        workflow.reject(db, rejected, "rev0", "请补充补办地点和所需材料")
        db.flush()
        return {"revision": revision.id, "rejected": rejected.id}


def test_reviewer_reads_the_change_first_and_confirms_before_publishing(live_server, browser_page):
    page, url = browser_page, live_server.url
    ids = seed(live_server.app)
    make_user(live_server.app, "reviewer1", "reviewer")
    log_in(page, url, "reviewer1")

    page.get_by_role("link", name="待审核").click()
    assert page.get_by_text("修订（线上版本继续服务）").first.is_visible()
    page.get_by_role("link", name="公积金缴存比例").click()
    change = page.locator("#change")
    box = change.bounding_box()
    assert box is not None and box["y"] < 900  # on the first screen, above the details
    assert change.locator("h2").inner_text() == "修订（线上版本继续服务）"
    body = change.locator("tr", has_text="正文")
    assert body.locator("ins").all_inner_texts() == [ADDED]  # one insertion, nothing removed
    assert body.locator("del").count() == 0

    confirmed = page.get_by_label("我已核对以上修改")
    confirmed.evaluate("box => box.addEventListener('invalid', () => { window.refused = true; })")
    page.get_by_role("button", name="审核通过并发布").click()  # not confirmed: nothing happens
    page.wait_for_function("() => window.refused === true")  # the browser refused to submit
    assert page.url.endswith(f"/console/items/{ids['revision']}")
    assert page.get_by_text("审核通过，已发布").count() == 0
    confirmed.check()
    page.get_by_role("button", name="审核通过并发布").click()
    page.get_by_text("审核通过，已发布").wait_for()
    live_server.app.extensions["wenzheng.retrieval"].rebuild(wait=True)

    # The draft preview says it is working (and for how long) while its index is built.
    page.get_by_role("link", name="命中测试").click()
    page.get_by_label("问题").fill("公积金交多少")
    page.get_by_label("范围").select_option("drafts")
    page.evaluate("document.getElementById('test-form').addEventListener("
                  "'submit', event => event.preventDefault(), {once: true})")  # hold the page
    page.get_by_role("button", name="测试").click()
    assert "正在生成含草稿的预览索引" in page.locator("#test-progress").inner_text()
    page.get_by_role("button", name="测试").click()
    page.locator("#decision").wait_for()


@pytest.mark.parametrize("width", [1280, 390])
def test_lists_and_audit_log_fit_the_screen_and_speak_chinese(live_server, chromium, width):
    seed(live_server.app)
    make_user(live_server.app, "editor1", "editor")
    context = chromium.new_context(locale="zh-CN", viewport={"width": width, "height": 900})
    page = context.new_page()
    try:
        log_in(page, live_server.url, "editor1")
        favicon = page.evaluate("fetch(document.querySelector('link[rel=icon]').href)"
                                ".then(r => r.status)")
        assert favicon == 200

        page.goto(f"{live_server.url}/console/items")
        row = page.locator("tr", has_text="社保卡丢了怎么办")
        assert row.locator(".badge-rejected").inner_text() == "已驳回"
        assert "请补充补办地点和所需材料" in row.inner_text()
        lines = page.evaluate("""() => [...document.querySelectorAll('td.date')].map(cell => {
            const range = document.createRange(); range.selectNodeContents(cell);
            return range.getClientRects().length; })""")
        assert lines and set(lines) == {1}, "a date wraps onto two lines"

        page.goto(f"{live_server.url}/console/audit")
        assert page.get_by_role("cell", name="审核通过", exact=True).count() >= 1
        assert page.get_by_role("cell", name="approve", exact=True).count() == 0
        overflow = page.evaluate("document.documentElement.scrollWidth")
        assert overflow <= width, f"audit log is {overflow}px wide at {width}"
    finally:
        context.close()
