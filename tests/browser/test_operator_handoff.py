"""A citizen asks for a human on the web chat; an operator claims, replies and resolves;
the citizen sees the reply live and rates the service. Real app, Rasa and action server."""

from __future__ import annotations

import subprocess

import pytest
from playwright.sync_api import expect

from bench.stack import APP_PYTHON, PROJECT_ROOT

pytestmark = [pytest.mark.browser, pytest.mark.integration]

PASSWORD = "operator-pass-123"
QUESTION = "社保卡丢了怎么补办？我在外地上班"
REPLY = "您好，社保卡挂失后可携带身份证到任一社保卡服务网点补办。"


def flask_cli(stack, *args: str) -> None:
    subprocess.run(
        [str(APP_PYTHON), "-m", "flask", "--app", "bot", *args],
        cwd=PROJECT_ROOT,
        env=stack.env,
        check=True,
        capture_output=True,
        timeout=120,
    )


@pytest.fixture
def operator_account(live_stack):
    flask_cli(live_stack, "departments", "seed")
    flask_cli(
        live_stack,
        "users",
        "create",
        "op-browser",
        "--role",
        "operator",
        "--department",
        "shebao",
        "--password",
        PASSWORD,
    )
    return "op-browser"


def test_citizen_and_operator_in_two_browsers(live_stack, chromium, operator_account):
    url = live_stack.app_url
    citizen_context = chromium.new_context(locale="zh-CN")
    operator_context = chromium.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    citizen, operator = citizen_context.new_page(), operator_context.new_page()
    for page in (citizen, operator):
        page.set_default_timeout(30_000)
    try:
        citizen.goto(url + "/")
        citizen.locator("#composer-input").fill(QUESTION)
        citizen.locator("#send-button").click()
        answered = citizen.get_by_role("button", name="有帮助")
        answered.or_(citizen.get_by_text("排队中")).first.wait_for()  # the bot's turn is over
        citizen.locator("#human-button").click()
        citizen.get_by_text("排队中").wait_for()
        session_id = citizen.evaluate("() => localStorage.getItem('wenzheng.session')")

        operator.goto(url + "/auth/login")
        operator.get_by_label("用户名").fill(operator_account)
        operator.get_by_label("密码").fill(PASSWORD)
        operator.get_by_role("button", name="登录").click()
        operator.goto(url + "/operator/?department=all")
        row = operator.locator("tr", has_text=QUESTION[:8]).first
        row.wait_for()
        assert "用户要求" in row.inner_text() or "置信度低" in row.inner_text()
        row.get_by_role("button", name="接手").click()
        operator.get_by_text("已接手").wait_for()
        assert QUESTION in operator.locator("#transcript").inner_text()

        citizen.get_by_text("人工客服已接入").wait_for()
        operator.get_by_label("回复市民").fill(REPLY)
        operator.get_by_role("button", name="发送").click()
        citizen.locator("#log").get_by_text(REPLY).wait_for()  # live, without reloading

        operator.get_by_role("button", name="办结，交回智能助手").click()
        operator.get_by_text("已办结").first.wait_for()
        citizen.get_by_role("button", name="5分 非常满意").click()
        citizen.get_by_text("感谢您的评价（5 分）").wait_for()

        assert live_stack.tracker(session_id).get("paused") is False  # the bot resumed
        # The operator's page reloads itself on the rating event: the rating shows live.
        expect(operator.locator(".facts")).to_contain_text("5 分")
    finally:
        citizen_context.close()
        operator_context.close()
