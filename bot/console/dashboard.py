"""概览: how the bot is doing — volume, decisions, helpfulness, topics, gaps."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from flask import current_app, render_template, request
from sqlalchemy import select

from bot.auth import role_required
from bot.console import charts
from bot.console.blueprint import CURATORS, bp
from bot.console.gaps import find_gaps, gap_logs
from bot.db import get_db
from bot.localtime import to_local
from bot.models import QueryLog
from core.db import utcnow
from knowledge_base.models import Item

DECISIONS = {"answer": "直接回答", "clarify": "澄清", "handoff": "转人工"}
TOP = 10


@bp.route("/")
@role_required(*CURATORS)
def dashboard():
    db = get_db()
    days = min(max(request.args.get("days", 30, type=int) or 30, 1), 365)
    since = utcnow() - timedelta(days=days)
    logs = db.scalars(select(QueryLog).where(QueryLog.created_at >= since)).all()

    day_names = [to_local(since + timedelta(days=n + 1)).date().isoformat() for n in range(days)]
    per_day = {label: [0] * days for label in DECISIONS.values()}
    index = {day: n for n, day in enumerate(day_names)}
    decisions: Counter[str] = Counter()
    for log in logs:
        label = "转人工" if log.handed_off else DECISIONS.get(log.decision, "澄清")
        decisions[label] += 1
        n = index.get(to_local(log.created_at).date().isoformat())
        if n is not None:
            per_day[label][n] += 1

    rated = [log.helpful for log in logs if log.helpful is not None]
    helpful_rate = sum(rated) / len(rated) if rated else None
    topics = Counter(log.top_source_id for log in logs if log.top_source_id and log.decision == "answer")
    titles = dict(db.execute(select(Item.external_id, Item.title)
                             .where(Item.external_id.in_(list(topics)))).all()) if topics else {}
    gaps = find_gaps(gap_logs(db, since), current_app.extensions["wenzheng.retrieval"].embed_queries)

    return render_template(
        "console/dashboard.html", days=days, total=len(logs), decisions=decisions,
        helpful_rate=helpful_rate, rated=len(rated),
        volume_chart=charts.stacked_columns(day_names, per_day),
        decision_chart=charts.horizontal_bars([(k, decisions[k]) for k in DECISIONS.values()]),
        topic_chart=charts.horizontal_bars(
            [(titles.get(source, source), n) for source, n in topics.most_common(TOP)]),
        gap_chart=charts.horizontal_bars([(g["questions"][0], g["count"]) for g in gaps[:TOP]]),
    )
