"""Operator queue and conversation pages: claim, reply, note, transfer, resolve."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from sqlalchemy import or_, select
from werkzeug.exceptions import Forbidden, NotFound
from werkzeug.wrappers import Response as Redirect  # what flask.redirect returns

from bot.auth import current_user, role_required
from bot.db import get_db
from bot.desk import desk
from bot.handoff.departments import list_departments
from bot.handoff.errors import HandoffError
from bot.handoff.queue import queue_overview
from bot.handoff.routing import REASON_LABELS
from bot.handoff.service import department_named
from bot.handoff.sla import evaluate
from bot.models import CannedReply, Handoff, HandoffEvent, Role, User
from bot.operator.live import event_stream
from core.db import utcnow

bp = Blueprint("operator", __name__, url_prefix="/operator")
ROLE_LABELS = {
    "user": "市民",
    "bot": "智能助手",
    "operator": "人工客服",
    "system": "系统提示",
    "note": "内部备注",
}
STATE_LABELS = {"waiting": "等待接手", "active": "处理中", "resolved": "已办结"}
EVENT_LABELS = {
    "opened": "转人工",
    "claimed": "接手",
    "transferred": "转交",
    "resolved": "办结",
    "escalated": "督办",
    "rated": "评价",
    "safety": "安全风险",
}


@bp.app_context_processor
def _labels() -> dict[str, Any]:
    return {
        "reason_labels": REASON_LABELS,
        "role_labels": ROLE_LABELS,
        "state_labels": STATE_LABELS,
        "event_labels": EVENT_LABELS,
    }


def _operator() -> User:
    user = current_user()
    assert user is not None  # guaranteed by role_required
    return user


def _scope() -> str:
    """Which department's queue to show: ``?department=``, else the operator's own."""
    user = _operator()
    default = user.department if user.role != Role.ADMIN and user.department else "all"
    return request.args.get("department") or default


def _queue_context() -> dict[str, Any]:
    return {
        "queue": queue_overview(get_db(), utcnow(), _scope()),
        "departments": list_departments(get_db()),
    }


@bp.get("/")
@role_required(Role.OPERATOR)
def queue() -> str:
    return render_template("operator/queue.html", **_queue_context())


@bp.get("/queue/table")
@role_required(Role.OPERATOR)
def queue_table() -> str:
    """The queue table alone, fetched by the page on every live event."""
    return render_template("operator/_queue_table.html", **_queue_context())


@bp.get("/stream")
@role_required(Role.OPERATOR)
def queue_stream() -> Response:
    return event_stream("queue")


def may_handle(user: User, handoff: Handoff) -> bool:
    """Operators of a department see and act on its conversations only (citizens' data stays
    within the department); admins, operators without a department and unrouted handoffs
    are not restricted."""
    return (
        user.role == Role.ADMIN
        or not user.department
        or not handoff.department
        or user.department == handoff.department
    )


def _handoff(handoff_id: int) -> Handoff:
    """The handoff of a per-conversation page or action: 404 unknown, 403 another department's."""
    handoff = get_db().get(Handoff, handoff_id)
    if handoff is None:
        raise NotFound("找不到该会话")
    if not may_handle(_operator(), handoff):
        raise Forbidden("该会话属于其他部门，请由该部门的客服处理，或请管理员转交。")
    return handoff


def _conversation_context(handoff: Handoff) -> dict[str, Any]:
    db = get_db()
    department = department_named(db, handoff.department)
    user = _operator()
    canned = db.scalars(
        select(CannedReply)
        .where(or_(CannedReply.department.is_(None), CannedReply.department == user.department))
        .order_by(CannedReply.title)
    ).all()
    history = db.scalars(
        select(HandoffEvent).where(HandoffEvent.handoff_id == handoff.id).order_by(HandoffEvent.id)
    ).all()
    return {
        "handoff": handoff,
        "conversation": handoff.conversation,
        "messages": handoff.conversation.messages,
        "department": department,
        "departments": list_departments(db),
        "sla": evaluate(handoff, department, utcnow()),
        "history": history,
        "canned": canned,
        "mine": handoff.claimed_by == user.username,
    }


@bp.get("/handoffs/<int:handoff_id>")
@role_required(Role.OPERATOR)
def conversation(handoff_id: int) -> str:
    return render_template(
        "operator/conversation.html", **_conversation_context(_handoff(handoff_id))
    )


@bp.get("/handoffs/<int:handoff_id>/transcript")
@role_required(Role.OPERATOR)
def transcript(handoff_id: int) -> str:
    """The transcript alone, fetched by the page on every new line."""
    return render_template(
        "operator/_transcript.html", **_conversation_context(_handoff(handoff_id))
    )


@bp.get("/handoffs/<int:handoff_id>/stream")
@role_required(Role.OPERATOR)
def conversation_stream(handoff_id: int) -> Response:
    return event_stream(f"conversation:{_handoff(handoff_id).conversation.session_id}")


def _act(handoff_id: int, action: Callable[[], Any], done: str) -> Redirect:
    """Run one state change; success or the refusal's reason is flashed on the page."""
    handoff = _handoff(handoff_id)
    try:
        action()
    except HandoffError as exc:
        get_db().rollback()
        flash(exc.message, "error")
    else:
        flash(done, "success")
    if not may_handle(_operator(), handoff):  # transferred out of the operator's department
        return redirect(url_for("operator.queue"))
    return redirect(url_for("operator.conversation", handoff_id=handoff_id))


@bp.post("/handoffs/<int:handoff_id>/claim")
@role_required(Role.OPERATOR)
def claim(handoff_id: int) -> Redirect:
    return _act(handoff_id, lambda: desk().claim(get_db(), handoff_id, _operator()), "已接手")


@bp.post("/handoffs/<int:handoff_id>/reply")
@role_required(Role.OPERATOR)
def reply(handoff_id: int) -> Redirect:
    text = request.form.get("text", "")
    return _act(
        handoff_id, lambda: desk().reply(get_db(), handoff_id, _operator(), text), "已发送"
    )


@bp.post("/handoffs/<int:handoff_id>/note")
@role_required(Role.OPERATOR)
def note(handoff_id: int) -> Redirect:
    text = request.form.get("text", "")
    return _act(
        handoff_id,
        lambda: desk().add_note(get_db(), handoff_id, _operator(), text),
        "备注已保存",
    )


@bp.post("/handoffs/<int:handoff_id>/transfer")
@role_required(Role.OPERATOR)
def transfer(handoff_id: int) -> Redirect:
    code = request.form.get("department", "")
    return _act(
        handoff_id,
        lambda: desk().transfer(get_db(), handoff_id, _operator(), code),
        "已转交",
    )


@bp.post("/handoffs/<int:handoff_id>/resolve")
@role_required(Role.OPERATOR)
def resolve(handoff_id: int) -> Redirect:
    return _act(handoff_id, lambda: desk().resolve(get_db(), handoff_id, _operator()), "已办结")
