"""知识缺口: questions the bot could not answer well, clustered, turned into KB drafts.

A question is a gap when it was handed off, answered with low confidence, or marked
not helpful. Similar questions are clustered with the answer engine's embedding model,
so staff see one row per need with its count and examples, and can start a FAQ entry
from it or attach the questions to an existing entry as alternate phrasings (a draft:
nothing changes for citizens until a reviewer approves).

Only single questions are clustered (not follow-ups joined with earlier turns), and two
questions join only when they also share a key term (a character pair left after the
generic question words are removed): embeddings alone put 驾照换证 next to 身份证过期.
Gaps that already have a draft say so; a gap can be dismissed with a reason, and its
questions are not listed again.
"""

from __future__ import annotations

import re
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
from bot.models import GapDismissal, QueryLog
from core.db import utcnow
from core.organisation import department_for
from core.text import search_key
from knowledge_base import workflow
from knowledge_base.models import Item, Kind, Status
from knowledge_base.workflow import WorkflowError

LOW_CONFIDENCE = 0.5
# Average cosine similarity of multilingual-e5-small query vectors above which two
# questions ask for the same thing (checked on real questions in tests/console/test_gaps.py).
SAME_NEED = 0.9
# A phrasing becomes an alternate of the new FAQ when this close to its leading question.
ALTERNATE = 0.9
# Longer texts, or more sentences, are several questions run together, not one need.
SINGLE_QUESTION_CHARS = 80
SINGLE_QUESTION_SENTENCES = 2
SENTENCE_END = re.compile(r"[。！？!?；;\n]+")
# Words every question has; what is left names the subject (公积金, 居住证, 驾照 …).
GENERIC = re.compile(
    "怎么办|怎么|怎样|如何|什么|哪些|哪里|哪儿|多少|多久|需要|可以|能否|能不能|是否|办理|申请"
    "|材料|流程|手续|请问|我想|一下|问题|[吗呢吧啊了的要在去办是有我你和与及]"
)
MAX_QUESTIONS = 2000
SHOWN_CLUSTERS = 30
EXAMPLES = 5


class Gap(TypedDict):
    questions: list[str]  # distinct questions, most asked first
    alternates: list[str]  # the ones close enough to the first to be its 相似问法
    department: str  # the code of the department a FAQ answering it belongs to
    count: int  # how often they were asked
    latest: datetime
    reasons: dict[str, int]


def is_single_question(text: str) -> bool:
    sentences = [part for part in SENTENCE_END.split(text) if part.strip()]
    return len(text) <= SINGLE_QUESTION_CHARS and len(sentences) <= SINGLE_QUESTION_SENTENCES


def key_terms(text: str) -> set[str]:
    """Character pairs of a question once the generic question words are taken out."""
    runs = GENERIC.split(search_key(text))
    return {run[i:i + 2] for run in runs for i in range(len(run) - 1)
            if "\u4e00" <= run[i] <= "\u9fff" and "\u4e00" <= run[i + 1] <= "\u9fff"}


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


def find_gaps(logs: list[QueryLog], embed, threshold: float = SAME_NEED,
              dismissed: set[str] | None = None) -> list[Gap]:
    """Cluster the logged single questions by meaning and key terms; largest, then newest,
    first. Questions in ``dismissed`` (search keys) are left out."""
    by_text: dict[str, list[QueryLog]] = {}
    for log in logs:
        text = log.query.strip()
        if text and is_single_question(text) and search_key(text) not in (dismissed or set()):
            by_text.setdefault(text, []).append(log)
    texts = list(by_text)
    if not texts:
        return []
    vectors = np.asarray(embed(texts), dtype=np.float32)
    counts = np.array([len(by_text[text]) for text in texts])
    keys = [key_terms(text) for text in texts]
    related = np.array([[bool(a & b) for b in keys] for a in keys])
    gaps: list[Gap] = []
    for group in agglomerate(vectors, threshold, counts, related):
        members = [log for index in group for log in by_text[texts[index]]]
        ranked = sorted(group, key=lambda index: -counts[index])
        lead = ranked[0]
        gaps.append(Gap(
            questions=[texts[index] for index in ranked],
            alternates=[texts[index] for index in ranked[1:]
                        if float(vectors[index] @ vectors[lead]) >= ALTERNATE
                        and related[index, lead]],
            department=department_for(texts[lead]),
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


def dismissed_questions(db: Session) -> set[str]:
    return {search_key(q) for questions in db.scalars(select(GapDismissal.questions))
            for q in questions}


def drafts_for(db: Session, gaps: list[Gap]) -> list[Item | None]:
    """The FAQ draft (or submission) already asking each gap's question, if any."""
    pending: dict[str, Item] = {}
    for item in db.scalars(select(Item).where(Item.kind == Kind.FAQ,
                                              Item.status.in_((Status.DRAFT, Status.REVIEW)))):
        for question in [item.question or item.title, *(item.alt_questions or [])]:
            pending.setdefault(search_key(question), item)
    return [next((pending[key] for key in map(search_key, gap["questions"]) if key in pending),
                 None) for gap in gaps]


@bp.route("/gaps")
@role_required(*CURATORS)
def gap_list():
    db = get_db()
    days = min(max(request.args.get("days", 30, type=int) or 30, 1), 365)
    service = current_app.extensions["wenzheng.retrieval"]
    gaps = find_gaps(gap_logs(db, utcnow() - timedelta(days=days)), service.embed_queries,
                     dismissed=dismissed_questions(db))
    shown = gaps[:SHOWN_CLUSTERS]
    suggestions = [_suggestions(gap["questions"][0]) for gap in shown]
    return render_template("console/gaps.html", gaps=shown, total=len(gaps), days=days,
                           suggestions=suggestions, examples=EXAMPLES,
                           drafts=drafts_for(db, shown))


@bp.route("/gaps/dismiss", methods=["POST"])
@role_required(*EDITORS)
def gap_dismiss():
    """Set a gap aside with a reason; its questions stay out of the list from now on."""
    # PostgreSQL refuses NUL characters in text: they are dropped, not stored.
    reason = request.form.get("reason", "").replace("\x00", "").strip()[:500]
    questions = [q.replace("\x00", "").strip() for q in request.form.getlist("questions")]
    questions = [q for q in questions if q][:200]
    if not reason or not questions:
        flash("请填写忽略原因。", "error")
        return redirect(url_for("console.gap_list"))
    db = get_db()
    db.add(GapDismissal(actor=current_user().username,  # type: ignore[union-attr]
                        reason=reason, questions=questions))
    db.commit()
    flash(f"已忽略“{questions[0]}”等 {len(questions)} 种问法（原因：{reason}），不再列出。",
          "success")
    return redirect(url_for("console.gap_list"))


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
