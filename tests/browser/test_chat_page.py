"""The citizen web chat in chromium against the real app, Rasa and action server."""

from __future__ import annotations

import pytest

from tests.fixtures.browser import ARTIFACTS

pytestmark = [pytest.mark.browser, pytest.mark.integration]

QUESTION = "公积金租房提取怎么办理？"


def test_ask_read_sources_give_feedback_and_keep_elderly_mode(live_stack, chromium):
    context = chromium.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.set_default_timeout(60_000)
    ARTIFACTS.mkdir(exist_ok=True)
    try:
        page.goto(live_stack.app_url + "/")
        page.get_by_label("输入您的问题").fill(QUESTION)
        page.get_by_role("button", name="发送").click()

        # The answer arrives with a numbered marker and its source card.
        card = page.locator("details.source").first
        card.wait_for()
        assert card.locator("summary").inner_text().startswith("[1]")
        assert card.get_attribute("open") is None
        page.locator("a.cite-marker").first.click()
        assert card.get_attribute("open") is not None
        official = card.get_by_role("link", name="查看官方原文")
        assert official.get_attribute("href").startswith("https://gjj.example.gov.cn/")
        page.screenshot(path=str(ARTIFACTS / "chat-answer-with-source.png"), full_page=True)

        page.get_by_role("button", name="有帮助").click()
        page.get_by_text("感谢您的反馈").wait_for()
        assert page.locator(".message.user .bubble").last.inner_text() == "有帮助"

        toggle = page.locator("#elderly-toggle")
        normal_size = page.evaluate("getComputedStyle(document.documentElement).fontSize")
        toggle.click()
        assert toggle.get_attribute("aria-pressed") == "true"
        page.reload()
        # After a reload: still in elderly mode, and the conversation is back from the server.
        page.locator(".message.user .bubble", has_text=QUESTION).wait_for()
        assert page.locator("html.elderly").count() == 1
        assert page.locator("#elderly-toggle").get_attribute("aria-pressed") == "true"
        assert page.locator("#elderly-toggle").inner_text() == "退出长辈模式"
        elderly_size = page.evaluate("getComputedStyle(document.documentElement).fontSize")
        assert float(elderly_size[:-2]) > float(normal_size[:-2])
        assert page.locator("details.source").count() >= 1
        # The answered feedback buttons stay answered after the reload.
        assert page.get_by_role("button", name="有帮助").is_disabled()
        page.screenshot(path=str(ARTIFACTS / "chat-elderly-mode.png"), full_page=True)
    finally:
        context.close()
