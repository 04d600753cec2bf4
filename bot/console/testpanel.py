"""命中测试: what would the bot do with this question, over the live KB or with drafts."""

from __future__ import annotations

from flask import current_app, render_template, request
from sqlalchemy import select

from bot.auth import role_required
from bot.console.blueprint import CURATORS, bp
from bot.db import get_db
from generation.composer import ground_if_enabled
from knowledge_base.models import Item, Status
from knowledge_base.versions import force_label

SHOWN = (Status.DRAFT, Status.REVIEW, Status.PUBLISHED)


@bp.route("/test")
@role_required(*CURATORS)
def test_panel():
    query = request.args.get("q", "").strip()[: current_app.config["MAX_QUERY_CHARS"]]
    drafts = request.args.get("over") == "drafts"
    result = None
    pending: dict[str, str] = {}
    if query:
        config = current_app.config
        result = current_app.extensions["wenzheng.retrieval"].preview(
            query, drafts=drafts, with_sources=config["GENERATION_ENABLED"]
        )
        # With generation on, the panel shows the generated answer, its check and the quote.
        result = ground_if_enabled(result, query, [], config)
        pending = _not_in_force({r["source_id"] for r in result.get("results", [])}
                                | {c["source_id"] for c in result.get("citations", [])})
    return render_template("console/test_panel.html", query=query, drafts=drafts, result=result,
                           pending=pending)


def _not_in_force(source_ids: set[str]) -> dict[str, str]:
    """未生效（… 起） for the sources whose newest reviewable revision is not in force yet."""
    newest: dict[str, Item] = {}
    revisions = get_db().scalars(
        select(Item).where(Item.external_id.in_(source_ids), Item.status.in_(SHOWN))
        .order_by(Item.version)
    )
    for item in revisions:
        newest[item.external_id] = item
    return {sid: label for sid, item in newest.items() if (label := force_label(item))}
