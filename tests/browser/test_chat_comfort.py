"""The citizen page on a desktop (1,280 px) and a phone (390 px) after a handoff: no Rasa
needed, the transcript is read back from the server as after a reload."""

from __future__ import annotations

import pytest

from bot.chat.service import append_message
from bot.handoff.service import RATING_BUTTONS
from bot.models import Conversation, Handoff, HandoffState
from core.db import session_scope, utcnow

pytestmark = pytest.mark.browser


def rated_conversation(app) -> str:
    """A long conversation whose handoff was resolved and rated 4; returns its session id."""
    with app.app_context(), session_scope(app.extensions["wenzheng.sessions"]) as db:
        conversation = Conversation(session_id="s-comfort-0001", channel="web",
                                    handoff_state=HandoffState.RESOLVED)
        db.add(conversation)
        db.commit()
        for n in range(12):
            append_message(db, conversation, "user", f"第{n + 1}个问题：灵活就业人员怎么缴纳社保？")
            append_message(db, conversation, "bot", "可以在户籍地或居住地以个人身份参保。" * 3)
        append_message(db, conversation, "system", "请为本次人工服务打分（1–5 分）：",
                       payload={"buttons": RATING_BUTTONS})
        append_message(db, conversation, "user", "满意度评价：4 分")
        db.add(Handoff(conversation_id=conversation.id, reason="user_request",
                       state=HandoffState.RESOLVED, resolved_at=utcnow(), rating=4))
        db.commit()
        return conversation.session_id


@pytest.mark.parametrize("width", [1280, 390])
def test_page_keeps_the_chat_in_view_and_the_rating_given(live_server, chromium, width):
    session_id = rated_conversation(live_server.app)
    context = chromium.new_context(locale="zh-CN", viewport={"width": width, "height": 844})
    context.add_init_script(f"localStorage.setItem('wenzheng.session', '{session_id}')")
    page = context.new_page()
    try:
        page.goto(live_server.url + "/")
        page.get_by_text("满意度评价：4 分").wait_for()

        # The placeholder is read whole, not cut at the edge of the input.
        fits = page.evaluate("""() => {
            const box = document.getElementById('composer-input'), style = getComputedStyle(box);
            const ctx = document.createElement('canvas').getContext('2d');
            ctx.font = `${style.fontSize} ${style.fontFamily}`;
            const room = box.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
            return ctx.measureText(box.placeholder).width <= room; }""")
        assert fits

        # After the reload the rating given is shown as chosen, and nothing is pressable.
        four = page.get_by_role("button", name="4分 满意")
        assert four.get_attribute("aria-pressed") == "true" and four.is_disabled()
        assert page.get_by_role("button", name="5分 非常满意").get_attribute("aria-pressed") is None

        # 长辈模式 enlarges the text but keeps the latest lines in view.
        gap = ("() => { const l = document.getElementById('log');"
               " return l.scrollHeight - l.scrollTop - l.clientHeight; }")
        # A function, not an expression: the page's CSP forbids the eval an expression needs.
        page.wait_for_function(f"() => ({gap})() < 40")  # the smooth scroll has settled
        page.locator("#elderly-toggle").click()
        # Back at the latest line once the smooth scroll settles; a chat that jumped away
        # from it stays away, and the wait times out.
        page.wait_for_function(f"() => ({gap})() < 40", timeout=5_000)
        assert page.get_by_text("满意度评价：4 分").is_visible()
    finally:
        context.close()
