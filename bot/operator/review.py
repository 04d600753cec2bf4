"""Review of handled conversations: search, export (CSV, JSON Lines), figures, escalations."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Any

from flask import Blueprint, Response, render_template, request
from sqlalchemy import select

from bot.auth import current_user, role_required
from bot.db import get_db
from bot.handoff import review
from bot.handoff.departments import list_departments
from bot.models import Handoff, HandoffState, Role
from knowledge_base.models import AuditEntry

bp = Blueprint("operator_review", __name__, url_prefix="/operator")
PAGE_SIZE = 200


def _date(name: str) -> date | None:
    raw = request.args.get(name, "").strip()
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def _filters() -> review.ReviewFilters:
    rating = request.args.get("rating", "")
    return review.ReviewFilters(
        since=_date("since"),
        until=_date("until"),
        department=request.args.get("department") or None,
        reason=request.args.get("reason") or None,
        rating=int(rating) if rating.isdigit() else None,
        text=request.args.get("text", "").strip() or None,
    )


@bp.get("/review")
@role_required(Role.OPERATOR)
def search() -> str:
    db = get_db()
    matches = review.search(db, _filters())
    return render_template(
        "operator/review.html",
        handoffs=matches[:PAGE_SIZE],
        total=len(matches),
        figures=review.figures(db, matches),
        departments=list_departments(db),
        args=request.args,
    )


def _download(lines: Any, mimetype: str, extension: str) -> Response:
    return Response(
        lines,
        mimetype=mimetype,
        headers={"Content-Disposition": f"attachment; filename=handoffs.{extension}"},
    )


def _audited_rows(fmt: str) -> list[Handoff]:
    """The handoffs to export; the export itself is recorded in the audit log first
    (who, when, which filter, how many): transcripts hold citizens' personal data."""
    db = get_db()
    filters = _filters()
    rows = review.search(db, filters)
    shown = {key: value.isoformat() if isinstance(value, date) else value
             for key, value in asdict(filters).items() if value is not None}
    db.add(AuditEntry(
        actor=current_user().username,  # type: ignore[union-attr]
        action="transcript_export",
        comment=f"导出转人工对话记录 {len(rows)} 条（{fmt}）",
        detail={"format": fmt, "filters": shown, "count": len(rows),
                "handoff_ids": [handoff.id for handoff in rows]},
    ))
    db.commit()
    return rows


@bp.get("/review/export.csv")
@role_required(Role.OPERATOR)
def export_csv() -> Response:
    return _download(review.export_csv(_audited_rows("csv")), "text/csv; charset=utf-8", "csv")


@bp.get("/review/export.jsonl")
@role_required(Role.OPERATOR)
def export_jsonl() -> Response:
    return _download(review.export_jsonl(_audited_rows("jsonl")),
                     "application/x-ndjson; charset=utf-8", "jsonl")


@bp.get("/escalations")
@role_required(Role.ADMIN)
def escalations() -> str:
    """督办: conversations flagged overdue, open ones first."""
    rows = get_db().scalars(
        select(Handoff)
        .where(Handoff.escalated_at.is_not(None))
        .order_by((Handoff.state == HandoffState.RESOLVED), Handoff.escalated_at.desc())
        .limit(PAGE_SIZE)
    )
    return render_template("operator/escalations.html", handoffs=list(rows))
