"""知识缺口: questions the bot could not answer well, clustered, turned into KB drafts.

A question is a gap when it was handed off, answered with low confidence, or marked
not helpful. Similar questions are clustered with the answer engine's embedding model,
so staff see one row per need with its count and examples, and can start a FAQ entry
from it or attach the questions to an existing entry as alternate phrasings (a draft:
nothing changes for citizens until a reviewer approves).
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import TypedDict

import numpy as np
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from bot.auth import current_user, role_required
from bot.console.blueprint import CURATORS, EDITORS, bp
from bot.console.clustering import agglomerate
from bot.db import get_db
from bot.models import QueryLog
from knowledge_base import workflow
from knowledge_base.db import utcnow
from knowledge_base.models import Item, Kind
from knowledge_base.workflow import WorkflowError

LOW_CONFIDENCE = 0.5
# Average cosine similarity of multilingual-e5-small query vectors above which two
# questions ask for the same thing (checked on real questions in tests/console/test_gaps.py).
SAME_NEED = 0.9
MAX_QUESTIONS = 2000
SHOWN_CLUSTERS = 30
EXAMPLES = 5


class Gap(TypedDict):
    questions: list[str]  # distinct questions, most asked first
    count: int  # how often they were asked
    latest: datetime
    reasons: dict[str, int]


def _reason(log: QueryLog) -> str:
    if log.handed_off:
        return "转人工"
    if log.helpful is False:
        return "没帮助"
    return "置信度低" if log.decision == "answer" else "未直接回答"


def gap_logs(db: Session, since: datetime) -> list[QueryLog]:
    return list(db.scalars(
        select(QueryLog)
        .where(QueryLog.created_at >= since)
        .where(or_(QueryLog.handed_off.is_(True), QueryLog.decision != "answer",
                   QueryLog.confidence < LOW_CONFIDENCE, QueryLog.helpful.is_(False)))
        .order_by(QueryLog.created_at.desc())
        .limit(MAX_QUESTIONS)
    ))


def find_gaps(logs: list[QueryLog], embed, threshold: float = SAME_NEED) -> list[Gap]:
    """Cluster the logged questions by meaning; largest, then newest, first."""
    by_text: dict[str, list[QueryLog]] = {}
    for log in logs:
        by_text.setdefault(log.query.strip(), []).append(log)
    texts = [text for text in by_text if text]
    if not texts:
        return []
    vectors = np.asarray(embed(texts), dtype=np.float32)
    counts = np.array([len(by_text[text]) for text in texts])
    gaps: list[Gap] = []
    for group in agglomerate(vectors, threshold, counts):
        members = [log for index in group for log in by_text[texts[index]]]
        ranked = sorted(group, key=lambda index: -counts[index])
        gaps.append(Gap(
            questions=[texts[index] for index in ranked],
            count=len(members),
            latest=max(log.created_at for log in members),
            reasons=dict(Counter(_reason(log) for log in members)),
        ))
    gaps.sort(key=lambda gap: (gap["count"], gap["latest"]), reverse=True)
    return gaps


def _suggestions(question: str) -> list[dict]:
    """Existing FAQ entries close to a gap, to attach its questions to."""
    results = current_app.extensions["wenzheng.retrieval"].search(question, top_k=5)["results"]
    seen: dict[str, dict] = {}
    for result in results:
        if result.get("kind") == Kind.FAQ and result["source_id"] not in seen:
            seen[result["source_id"]] = result
    return list(seen.values())[:3]


@bp.route("/gaps")
@role_required(*CURATORS)
def gap_list():
    days = min(max(request.args.get("days", 30, type=int) or 30, 1), 365)
    service = current_app.extensions["wenzheng.retrieval"]
    gaps = find_gaps(gap_logs(get_db(), utcnow() - timedelta(days=days)), service.embed_queries)
    shown = gaps[:SHOWN_CLUSTERS]
    suggestions = [_suggestions(gap["questions"][0]) for gap in shown]
    return render_template("console/gaps.html", gaps=shown, total=len(gaps), days=days,
                           suggestions=suggestions, examples=EXAMPLES)


@bp.route("/gaps/attach", methods=["POST"])
@role_required(*EDITORS)
def gap_attach():
    """Accept a suggestion: a draft of the FAQ entry with the gap's questions as alternates."""
    db = get_db()
    latest = db.scalars(
        select(Item).where(Item.external_id == request.form.get("external_id", ""),
                           Item.kind == Kind.FAQ)
        .order_by(Item.version.desc()).limit(1)
    ).first()
    if latest is None:
        abort(404)
    questions = [q.strip() for q in request.form.getlist("questions") if q.strip()]
    data = workflow.content_of(latest)
    known = {latest.question, *data["alt_questions"]}
    data["alt_questions"] = [*data["alt_questions"], *(q for q in questions if q not in known)]
    try:
        draft = workflow.save_draft(db, data, current_user().username)  # type: ignore[union-attr]
    except WorkflowError as exc:
        db.rollback()
        flash(str(exc), "error")
        return redirect(url_for("console.gap_list"))
    db.commit()
    flash("已把这些问法加入草稿，提交审核通过后生效。", "success")
    return redirect(url_for("console.item_detail", item_id=draft.id))
