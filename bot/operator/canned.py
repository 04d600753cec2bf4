"""Canned replies (快捷回复): admins maintain them, operators insert them with one click."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response as Redirect  # what flask.redirect returns

from bot.auth import role_required
from bot.db import get_db
from bot.handoff.departments import list_departments
from bot.handoff.service import MAX_REPLY_CHARS
from bot.models import CannedReply, Role

bp = Blueprint("operator_canned", __name__, url_prefix="/operator/canned")


@bp.get("/")
@role_required(Role.ADMIN)
def index() -> str:
    db = get_db()
    replies = db.scalars(select(CannedReply).order_by(CannedReply.department, CannedReply.title))
    return render_template(
        "operator/canned.html", replies=list(replies), departments=list_departments(db)
    )


@bp.post("/")
@role_required(Role.ADMIN)
def create() -> Redirect:
    title = request.form.get("title", "").strip()
    text = request.form.get("text", "").strip()
    department = request.form.get("department") or None
    if not title or not text or len(title) > 100 or len(text) > MAX_REPLY_CHARS:
        flash(f"标题（不超过 100 字）和内容（不超过 {MAX_REPLY_CHARS} 字）均不能为空", "error")
    else:
        db = get_db()
        db.add(CannedReply(title=title, text=text, department=department))
        db.commit()
        flash(f"已添加快捷回复“{title}”", "success")
    return redirect(url_for("operator_canned.index"))


@bp.post("/<int:reply_id>/delete")
@role_required(Role.ADMIN)
def delete(reply_id: int) -> Redirect:
    db = get_db()
    reply = db.get(CannedReply, reply_id)
    if reply is None:
        flash("该快捷回复不存在或已删除", "error")
    else:
        db.delete(reply)
        db.commit()
        flash(f"已删除快捷回复“{reply.title}”", "success")
    return redirect(url_for("operator_canned.index"))
