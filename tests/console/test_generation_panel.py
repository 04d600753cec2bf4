"""The 命中测试 panel shows a generated answer, its per-sentence check and the quote side by side."""

from __future__ import annotations

from auth.helpers import logged_in

from tests.console.test_curation import FAQ_FORM, post
from tests.fakes.openai_server import FakeLLM


def test_the_panel_shows_each_sentence_verdict_beside_the_extractive_quote(app):
    llm = FakeLLM()
    llm.start()
    try:
        app.config.update(GENERATION_ENABLED=True, GENERATION_BASE_URL=llm.base_url,
                          GENERATION_MODEL=llm.model, GENERATION_API_KEY=llm.api_key)
        editor = logged_in(app, "ed", "editor")
        editor.get("/console/faq/new")
        post(editor, "/console/faq/new", **FAQ_FORM)
        llm.reply("单位和职工的缴存比例都在5%到12%之间[1]。单位还需另缴管理费200元[1]。")
        page = editor.get("/console/test", query_string={"q": FAQ_FORM["question"], "over": "drafts"}).text
    finally:
        llm.stop()
    assert 'id="generation"' in page and "fake-qwen" in page
    assert "✓ 单位和职工的缴存比例都在5%到12%之间[1]。" in page
    assert "✗ 已删除 单位还需另缴管理费200元[1]。" in page and "来源中没有：200元" in page
    assert FAQ_FORM["body"] in page.split('id="extractive"')[1]
