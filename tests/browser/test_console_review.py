"""An editor writes a FAQ, a reviewer approves it, and the test panel answers with it."""

from __future__ import annotations

import re

import pytest
from auth.helpers import make_user

from tests.browser.support import log_in

pytestmark = pytest.mark.browser

QUESTION = "灵活就业人员怎么缴纳养老保险？"
ANSWER = "灵活就业人员可以在户籍地或居住地的社保经办机构以个人身份参保，按月或按年缴费。"


def test_faq_goes_from_editor_through_reviewer_to_the_test_panel(live_server, browser_page):
    page, url = browser_page, live_server.url
    make_user(live_server.app, "editor1", "editor")
    make_user(live_server.app, "reviewer1", "reviewer")

    log_in(page, url, "editor1")
    page.get_by_role("link", name="知识库").click()
    page.get_by_role("button", name="新建常见问答").click()
    page.get_by_label("标准问题").fill(QUESTION)
    page.get_by_label("相似问法（每行一个）").fill("自由职业者怎么交养老保险")
    page.get_by_label("答案").fill("以个人身份参保。")
    page.get_by_role("button", name="保存草稿").click()
    page.get_by_text("已保存为草稿").wait_for()

    page.get_by_role("button", name="编辑").click()
    page.get_by_label("答案").fill(ANSWER)
    page.get_by_role("button", name="保存草稿").click()
    page.get_by_role("button", name="提交审核").click()
    page.get_by_text("已提交审核").wait_for()
    assert page.get_by_text("这是您编写的修改").count() == 0  # editors see no review buttons
    page.get_by_role("button", name="退出").click()

    log_in(page, url, "reviewer1")
    page.get_by_role("link", name="待审核").click()
    page.get_by_role("link", name=QUESTION).click()
    page.get_by_placeholder("审核意见（可选）").fill("已核对政策依据")
    page.get_by_label("我已核对以上修改").check()
    page.get_by_role("button", name="审核通过并发布").click()
    page.get_by_text("审核通过，已发布").wait_for()

    for _ in range(60):  # the index rebuilds in the background; the page says when it is live
        if "已进入线上索引" in page.locator("#index-state").inner_text():
            break
        page.wait_for_timeout(1000)
        page.reload()
    assert "已进入线上索引" in page.locator("#index-state").inner_text()

    page.get_by_role("link", name="命中测试").click()
    page.get_by_label("问题").fill(QUESTION)
    page.get_by_role("button", name="测试").click()
    assert page.locator("#decision").inner_text() == "直接回答"
    assert re.sub(r"\s", "", ANSWER)[:20] in re.sub(r"\s", "", page.locator("#answer").inner_text())
