"""命中测试: what would the bot do with this question, over the live KB or with drafts."""

from __future__ import annotations

from flask import current_app, render_template, request

from bot.auth import role_required
from bot.console.blueprint import CURATORS, bp
from bot.db import get_db
from generation.composer import ground_if_enabled


@bp.route("/test")
@role_required(*CURATORS)
def test_panel():
    query = request.args.get("q", "").strip()[: current_app.config["MAX_QUERY_CHARS"]]
    drafts = request.args.get("over") == "drafts"
    result = None
    if query:
        config = current_app.config
        result = current_app.extensions["wenzheng.retrieval"].preview(
            get_db(), query, drafts=drafts, with_sources=config["GENERATION_ENABLED"]
        )
        # With generation on, the panel shows the generated answer, its check and the quote.
        result = ground_if_enabled(result, query, [], config)
    return render_template("console/test_panel.html", query=query, drafts=drafts, result=result)
