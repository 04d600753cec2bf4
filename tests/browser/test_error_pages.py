"""Refused and missing pages are Chinese, in the site's layout, and point somewhere useful;
JSON APIs keep JSON errors."""

from __future__ import annotations

import pytest
from auth.helpers import make_user
from playwright.sync_api import expect

from tests.browser.support import log_in

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", [1280, 390])
def test_an_operator_opening_the_console_is_sent_to_the_operator_queue(
    live_server, browser_page, width
):
    page, url = browser_page, live_server.url
    page.set_viewport_size({"width": width, "height": 800})
    make_user(live_server.app, "op1", "operator", department="shebao")
    log_in(page, url, "op1")

    response = page.goto(f"{url}/console/")

    assert response.status == 403
    expect(page.get_by_role("heading", name="没有访问权限")).to_be_visible()
    expect(page.locator("#error-page")).to_contain_text("知识库工作区")
    expect(page.locator("#error-page")).to_contain_text("编辑、审核员")
    expect(page.get_by_role("button", name="退出")).to_be_visible()  # the site's own header
    page.locator("#error-page").get_by_role("link", name="人工队列").click()
    expect(page).to_have_url(f"{url}/operator/")
    expect(page.get_by_role("heading", name="人工队列")).to_be_visible()


def test_an_editor_opening_the_review_queue_is_told_who_it_is_for(live_server, browser_page):
    page, url = browser_page, live_server.url
    make_user(live_server.app, "ed1", "editor")
    log_in(page, url, "ed1")

    assert page.goto(f"{url}/console/review").status == 403
    expect(page.locator("#error-page")).to_contain_text("仅供审核员、管理员使用")
    expect(page.locator("#error-page").get_by_role("link", name="知识库")).to_be_visible()
    assert "Forbidden" not in page.content()


def test_missing_and_wrong_method_pages_offer_a_way_on(live_server, browser_page):
    page, url = browser_page, live_server.url

    assert page.goto(f"{url}/console/no-such-page").status == 404
    expect(page.get_by_role("heading", name="找不到该页面")).to_be_visible()
    expect(page.get_by_role("link", name="登录")).to_be_visible()
    expect(page.get_by_role("link", name="智能问答首页")).to_be_visible()
    assert "Not Found" not in page.content()

    assert page.goto(f"{url}/auth/logout").status == 405
    expect(page.get_by_role("heading", name="不支持的访问方式")).to_be_visible()


def test_json_apis_keep_json_errors(live_server, browser_page):
    response = browser_page.request.get(f"{live_server.url}/api/v1/no-such-endpoint")
    assert response.status == 404
    assert response.json()["message"] == "找不到请求的内容"
