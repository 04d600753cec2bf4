"""The handoff state machine: open → claim → (reply, note, transfer) → resolve → rate.

::

    none/resolved ──open──► waiting ──claim──► active ──resolve──► resolved
                               ▲                  │
                               └────transfer──────┘

Every transition is one conditional ``UPDATE ... WHERE state = <expected>``, so two
operators racing (on PostgreSQL or SQLite) cannot both win; the loser gets a clear
``HandoffError``. Each function commits its own unit of work (the transcript line it
appends last commits it: ``append_message`` commits) and publishes live events only after
the commit, so a page that reloads on an event sees the new state.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot import channels, events
from bot.chat.transcript import append_message
from bot.errors import ApiError
from bot.handoff import rasa, routing
from bot.handoff.sla import ServiceHours, describe_moment
from bot.models import (
    Conversation,
    Department,
    Handoff,
    HandoffEvent,
    HandoffState,
    Message,
    PendingResume,
    QueryLog,
    User,
)
from core.db import as_utc, rows_changed, utcnow

OPEN_STATES = (HandoffState.WAITING, HandoffState.ACTIVE)
MAX_REPLY_CHARS = 2000
RATING_BUTTONS = [
    {"title": f"{score}分 {label}", "payload": f'/rate{{"score": {score}}}'}
    for score, label in (
        (5, "非常满意"),
        (4, "满意"),
        (3, "一般"),
        (2, "不满意"),
        (1, "非常不满意"),
    )
]


class HandoffError(ApiError):
    """A refused transition; ``message`` is shown to the operator or citizen as is."""

    def __init__(self, code: str, message: str, status: int = 409) -> None:
        super().__init__(status, code, message)


# ---------------------------------------------------------------- lookups


def get_handoff(db: Session, handoff_id: int) -> Handoff:
    handoff = db.get(Handoff, handoff_id)
    if handoff is None:
        raise HandoffError("handoff_not_found", "找不到该转人工记录", 404)
    return handoff


def open_handoff_of(db: Session, conversation: Conversation) -> Handoff | None:
    return db.scalar(
        select(Handoff)
        .where(Handoff.conversation_id == conversation.id, Handoff.state.in_(OPEN_STATES))
        .order_by(Handoff.id.desc())
        .limit(1)
    )


def department_named(db: Session, code: str | None) -> Department | None:
    return db.scalar(select(Department).where(Department.code == code)) if code else None


def _operator_name(user: User) -> str:
    return user.display_name or user.username


def _record(db: Session, handoff: Handoff, actor: str, action: str, now: datetime, **detail: Any):
    db.add(HandoffEvent(handoff_id=handoff.id, at=now, actor=actor, action=action, detail=detail))


def _announce(handoff: Handoff, action: str) -> None:
    """Tell live pages (queue, transcript) that ``handoff`` changed; call after commit."""
    data = {"type": "handoff", "action": action, "handoff_id": handoff.id, "state": handoff.state}
    events.publish("queue", data)
    events.publish(f"conversation:{handoff.conversation.session_id}", data)


def _tell_citizen(db: Session, conversation: Conversation, text: str, **payload: Any) -> Message:
    return append_message(db, conversation, "system", text, payload=payload or None)


def _deliver(conversation: Conversation, messages: list[Message]) -> None:
    """Push to channels that need it (WeChat); a failed push never undoes the stored state."""
    for message in messages:
        try:
            channels.deliver(conversation, message)
        except Exception:  # noqa: BLE001 - the transcript already holds the message
            current_app.logger.exception("delivery of message %s failed", message.id)


# ---------------------------------------------------------------- opening


def open_handoff(
    db: Session,
    conversation: Conversation,
    reason: str,
    last_query: str | None = None,
    bot_context: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> tuple[Handoff, bool]:
    """Put ``conversation`` in the operator queue; returns ``(handoff, created)``.

    Idempotent while the conversation has an open handoff: the existing one is returned.
    """
    if reason not in routing.REASONS:
        raise HandoffError("invalid_reason", f"未知的转人工原因：{reason}", 400)
    now = as_utc(now or utcnow())
    won = rows_changed(
        db,
        update(Conversation)
        .where(Conversation.id == conversation.id, Conversation.handoff_state.not_in(OPEN_STATES))
        .values(handoff_state=HandoffState.WAITING, updated_at=now)
    )
    if not won:
        existing = open_handoff_of(db, conversation)
        if existing is not None:
            db.rollback()
            return existing, False

    recent_questions = db.scalars(
        select(Message.text)
        .where(Message.conversation_id == conversation.id, Message.role == "user")
        .order_by(Message.id.desc())
        .limit(10)
    ).all()
    handoff = Handoff(
        conversation=conversation,
        reason=reason,
        priority=routing.priority_for(reason),
        department=routing.route(db, [q for q in (last_query, *recent_questions) if q]),
        state=HandoffState.WAITING,
        last_query=last_query,
        bot_context=bot_context or {},
        created_at=now,
    )
    db.add(handoff)
    conversation.handoff_state = HandoffState.WAITING
    db.flush()
    _mark_last_query_handed_off(db, conversation.session_id)
    _record(db, handoff, "bot", "opened", now, reason=reason, department=handoff.department)
    db.commit()
    _announce(handoff, "opened")
    return handoff, True


def _mark_last_query_handed_off(db: Session, session_id: str) -> None:
    last = db.scalar(
        select(QueryLog)
        .where(QueryLog.session_id == session_id)
        .order_by(QueryLog.id.desc())
        .limit(1)
    )
    if last is not None:
        last.handed_off = True


def citizen_notice(db: Session, handoff: Handoff, now: datetime | None = None) -> str:
    """What the bot tells the citizen on handing off: when a person will answer."""
    now = as_utc(now or utcnow())
    department = department_named(db, handoff.department)
    name = department.name if department else ""
    hours = ServiceHours.from_config(department.service_hours if department else None)
    if hours.is_open(now):
        minutes = department.first_response_minutes if department else 10
        return f"已为您转接{name}人工客服，工作人员将在 {minutes} 分钟内回复，请稍候。"
    opening = hours.next_opening(now)
    when = f"将于 {describe_moment(opening, hours.tz)} 上班后" if opening else "将"
    return (
        f"现在是非工作时间（{name}人工服务时间：{hours.describe()}）。"
        f"您的问题已登记，工作人员{when}尽快回复您，届时可在本对话中查看。"
    )


def flag_safety(
    db: Session, conversation: Conversation, message_id: int, now: datetime | None = None
) -> Handoff | None:
    """A safety message arrived while handed off: this conversation goes first in the queue.

    The reason becomes ``safety`` (the event keeps the earlier one) so the queue says why.
    """
    handoff = open_handoff_of(db, conversation)
    if handoff is None:
        return None
    now = as_utc(now or utcnow())
    previous_reason = handoff.reason
    handoff.reason = "safety"
    handoff.priority = max(handoff.priority, routing.priority_for("safety"))
    detail = {"previous_reason": previous_reason, "message_id": message_id}
    _record(db, handoff, "citizen", "safety", now, **detail)
    db.commit()
    _announce(handoff, "safety")
    return handoff


# ---------------------------------------------------------------- operator actions


def claim(db: Session, handoff_id: int, operator: User, now: datetime | None = None) -> Handoff:
    """Give a waiting conversation to ``operator``; a second claim is refused."""
    now = as_utc(now or utcnow())
    won = rows_changed(
        db,
        update(Handoff)
        .where(Handoff.id == handoff_id, Handoff.state == HandoffState.WAITING)
        .values(state=HandoffState.ACTIVE, claimed_by=operator.username, claimed_at=now)
    )
    if not won:
        db.rollback()
        handoff = get_handoff(db, handoff_id)
        if handoff.state == HandoffState.ACTIVE:
            raise HandoffError("already_claimed", f"该会话已由 {handoff.claimed_by} 接手")
        raise HandoffError("not_waiting", "该会话已结束，无法接手")
    handoff = get_handoff(db, handoff_id)
    db.refresh(handoff)
    conversation = handoff.conversation
    conversation.handoff_state = HandoffState.ACTIVE
    _record(db, handoff, operator.username, "claimed", now)
    notice = _tell_citizen(
        db, conversation, f"人工客服（{_operator_name(operator)}）已接入，正在为您服务。"
    )
    db.commit()
    _announce(handoff, "claimed")
    _deliver(conversation, [notice])
    return handoff


def _active_for(db: Session, handoff_id: int, operator: User) -> Handoff:
    """The handoff, if ``operator`` holds it; otherwise a clear refusal."""
    handoff = get_handoff(db, handoff_id)
    if handoff.state == HandoffState.WAITING:
        raise HandoffError("not_claimed", "请先接手该会话再操作")
    if handoff.state == HandoffState.RESOLVED:
        raise HandoffError("already_resolved", "该会话已结束")
    if handoff.claimed_by != operator.username:
        raise HandoffError("claimed_by_other", f"该会话由 {handoff.claimed_by} 处理中", 403)
    return handoff


def _clean_text(text: str | None) -> str:
    text = (text or "").strip()
    if not text:
        raise HandoffError("empty_text", "内容不能为空", 400)
    if len(text) > MAX_REPLY_CHARS:
        raise HandoffError("text_too_long", f"内容不能超过 {MAX_REPLY_CHARS} 个字", 400)
    return text


def reply(
    db: Session, handoff_id: int, operator: User, text: str, now: datetime | None = None
) -> Message:
    """Send ``text`` to the citizen; the first reply stops the first-response clock."""
    now = as_utc(now or utcnow())
    text = _clean_text(text)
    handoff = _active_for(db, handoff_id, operator)
    db.execute(
        update(Handoff)
        .where(Handoff.id == handoff.id, Handoff.first_response_at.is_(None))
        .values(first_response_at=now)
    )
    # append_message commits: the reply and the first-response time are stored together.
    message = append_message(
        db, handoff.conversation, "operator", text, author=_operator_name(operator)
    )
    _deliver(handoff.conversation, [message])
    return message


def add_note(db: Session, handoff_id: int, operator: User, text: str) -> Message:
    """An internal note on the transcript; citizens never see notes."""
    handoff = get_handoff(db, handoff_id)
    return append_message(
        db, handoff.conversation, "note", _clean_text(text), author=_operator_name(operator)
    )


def transfer(
    db: Session,
    handoff_id: int,
    operator: User,
    department_code: str,
    now: datetime | None = None,
) -> Handoff:
    """Send the conversation back to the queue of another department."""
    now = as_utc(now or utcnow())
    target = department_named(db, department_code)
    if target is None:
        raise HandoffError("unknown_department", f"找不到部门：{department_code}", 400)
    handoff = get_handoff(db, handoff_id)
    if handoff.state == HandoffState.ACTIVE:
        handoff = _active_for(db, handoff_id, operator)
    if handoff.department == target.code:
        raise HandoffError("same_department", f"该会话已在{target.name}", 400)
    source = handoff.department
    won = rows_changed(
        db,
        update(Handoff)
        .where(Handoff.id == handoff.id, Handoff.state == handoff.state)
        .values(
            department=target.code,
            state=HandoffState.WAITING,
            claimed_by=None,
            claimed_at=None,
        )
    )
    if not won:
        db.rollback()
        raise HandoffError("state_changed", "该会话状态已变化，请刷新后重试")
    db.refresh(handoff)
    conversation = handoff.conversation
    conversation.handoff_state = HandoffState.WAITING
    _record(db, handoff, operator.username, "transferred", now, source=source, target=target.code)
    notice = _tell_citizen(db, conversation, f"您的问题已转交{target.name}，请稍候。")
    db.commit()
    _announce(handoff, "transferred")
    _deliver(conversation, [notice])
    return handoff


def resolve(db: Session, handoff_id: int, operator: User, now: datetime | None = None) -> Handoff:
    """End the human part: the bot resumes and the citizen is asked for a rating."""
    now = as_utc(now or utcnow())
    handoff = _active_for(db, handoff_id, operator)
    won = rows_changed(
        db,
        update(Handoff)
        .where(Handoff.id == handoff.id, Handoff.state == HandoffState.ACTIVE)
        .values(state=HandoffState.RESOLVED, resolved_at=now)
    )
    if not won:
        db.rollback()
        raise HandoffError("already_resolved", "该会话已结束")
    db.refresh(handoff)
    conversation = handoff.conversation
    conversation.handoff_state = HandoffState.RESOLVED
    _record(db, handoff, operator.username, "resolved", now)
    db.add(PendingResume(session_id=conversation.session_id, handoff_id=handoff.id))
    notices = [
        _tell_citizen(db, conversation, "本次人工服务已结束，您可以继续向智能助手提问。"),
        _tell_citizen(
            db,
            conversation,
            "请为本次人工服务打分（1–5 分）：",
            buttons=RATING_BUTTONS,
            rating_for=handoff.id,
        ),
    ]
    db.commit()
    rasa.flush_resumes(db, session_id=conversation.session_id)
    _announce(handoff, "resolved")
    _deliver(conversation, notices)
    return handoff


# ---------------------------------------------------------------- citizen rating


def rate(db: Session, conversation: Conversation, score: Any) -> Handoff:
    """Store the citizen's 1–5 satisfaction score on their latest resolved handoff."""
    if isinstance(score, bool) or not isinstance(score, int) or not 1 <= score <= 5:
        raise HandoffError("invalid_score", "评分须为 1 到 5 之间的整数", 400)
    handoff = db.scalar(
        select(Handoff)
        .where(
            Handoff.conversation_id == conversation.id,
            Handoff.state == HandoffState.RESOLVED,
        )
        .order_by(Handoff.id.desc())
        .limit(1)
    )
    if handoff is None:
        raise HandoffError("nothing_to_rate", "当前没有可评价的人工服务", 409)
    won = rows_changed(
        db,
        update(Handoff)
        .where(Handoff.id == handoff.id, Handoff.rating.is_(None))
        .values(rating=score)
    )
    if not won:
        db.rollback()
        raise HandoffError("already_rated", "您已评价过本次服务，感谢您的反馈。")
    db.refresh(handoff)
    _record(db, handoff, "citizen", "rated", utcnow(), score=score)
    thanks = _tell_citizen(db, conversation, f"感谢您的评价（{score} 分）！")
    db.commit()
    _announce(handoff, "rated")
    _deliver(conversation, [thanks])
    return handoff
