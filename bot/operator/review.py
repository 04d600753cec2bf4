"""Review of handled conversations: search, export (CSV, JSON Lines), figures, escalations."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, Response, render_template, request
from sqlalchemy import select

from bot.auth import role_required
from bot.db import get_db
from bot.handoff import review
from bot.handoff.departments import list_departments
from bot.models import Handoff, HandoffState, Role

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


@bp.get("/review/export.csv")
@role_required(Role.OPERATOR)
def export_csv() -> Response:
    rows = review.search(get_db(), _filters())
    return _download(review.export_csv(rows), "text/csv; charset=utf-8", "csv")


@bp.get("/review/export.jsonl")
@role_required(Role.OPERATOR)
def export_jsonl() -> Response:
    rows = review.search(get_db(), _filters())
    return _download(review.export_jsonl(rows), "application/x-ndjson; charset=utf-8", "jsonl")


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
