"""The handoff state machine: open → claim → (reply, note, transfer) → resolve → rate.

::

    none/resolved ──open──► waiting ──claim──► active ──resolve──► resolved
                               ▲                  │
                               └────transfer──────┘

Every transition is one conditional ``UPDATE ... WHERE state = <expected>``, so two
operators racing (on PostgreSQL or SQLite) cannot both win; the loser gets a clear
``HandoffError`` (``bot.handoff.errors``). Each transition is one unit of work: the
state, its ``HandoffEvent`` and the lines the citizen is told are committed together,
then ``HandoffDesk._after_commit`` announces them to live pages and pushes the lines to
channels that need a push, so a page that reloads on an event sees the new state.

The domain knows no Flask: the desk is given what it needs (event bus, channel senders,
the Rasa resume outbox, the masking setting, a clock) by the web app (``bot.desk``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.chat.transcript import CITIZEN_ROLES, add_line, message_event
from bot.handoff import routing
from bot.handoff.errors import Conflict, Forbidden, Invalid, NotFound
from bot.handoff.rasa import RasaResumes
from bot.handoff.sla import ServiceHours, describe_moment
from bot.models import (
    Conversation,
    Handoff,
    HandoffEvent,
    HandoffState,
    Message,
    QueryLog,
    User,
)
from core.db import as_utc, rows_changed, utcnow
from core.organisation import Department

log = logging.getLogger(__name__)

# A conversation is handed off (and Rasa paused) while its handoff is in one of these.
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

# A channel's push of a stored line to the citizen (WeChat); web pages read the transcript.
Sender = Callable[[Conversation, Message], None]


class Publisher(Protocol):
    def publish(self, topic: str, data: dict[str, Any]) -> None: ...


# ---------------------------------------------------------------- lookups


def get_handoff(db: Session, handoff_id: int) -> Handoff:
    handoff = db.get(Handoff, handoff_id)
    if handoff is None:
        raise NotFound("handoff_not_found", "找不到该转人工记录")
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


def record(db: Session, handoff: Handoff, actor: str, action: str, now: datetime, **detail: Any):
    """Add one step to the handoff's history, in the caller's unit of work."""
    db.add(HandoffEvent(handoff_id=handoff.id, at=now, actor=actor, action=action, detail=detail))


def handoff_event(handoff: Handoff, action: str) -> dict[str, Any]:
    """What live pages (queue, transcript) receive when ``handoff`` changed."""
    return {"type": "handoff", "action": action, "handoff_id": handoff.id, "state": handoff.state}


def _operator_name(user: User) -> str:
    return user.display_name or user.username


def _clean_text(text: str | None) -> str:
    text = (text or "").strip()
    if not text:
        raise Invalid("empty_text", "内容不能为空")
    if len(text) > MAX_REPLY_CHARS:
        raise Invalid("text_too_long", f"内容不能超过 {MAX_REPLY_CHARS} 个字")
    return text


@dataclass
class HandoffDesk:
    """The handoff transitions, with what they need from outside passed in."""

    events: Publisher
    senders: Mapping[str, Sender]
    resumes: RasaResumes
    masking: bool = False
    clock: Callable[[], datetime] = utcnow

    def _now(self, now: datetime | None) -> datetime:
        return as_utc(now or self.clock())

    def _line(
        self, db: Session, conversation: Conversation, role: str, text: str, **kwargs: Any
    ) -> Message:
        return add_line(db, conversation, role, text, masking=self.masking, **kwargs)

    def _tell_citizen(
        self, db: Session, conversation: Conversation, text: str, **payload: Any
    ) -> Message:
        return self._line(db, conversation, "system", text, payload=payload or None)

    def _after_commit(
        self,
        db: Session,
        conversation: Conversation,
        lines: Sequence[Message] = (),
        handoff: Handoff | None = None,
        action: str | None = None,
        resume: bool = False,
    ) -> None:
        """Commit the unit of work, then: announce the new lines, send the conversation's
        Rasa resume (if ``resume``), announce the handoff's change, push the lines to the
        citizen's channel.

        A failed push never undoes the stored state: the transcript already holds the line.
        """
        db.commit()
        topic = f"conversation:{conversation.session_id}"
        for line in lines:
            self.events.publish(topic, dict(message_event(line)))
        if resume:
            self.resumes.flush(session_id=conversation.session_id)
        if handoff is not None and action is not None:
            data = handoff_event(handoff, action)
            self.events.publish("queue", data)
            self.events.publish(topic, data)
        for line in lines:
            if line.role in CITIZEN_ROLES:
                self.deliver(conversation, line)

    def deliver(self, conversation: Conversation, message: Message) -> None:
        """Push a stored line to the citizen if their channel needs a push (WeChat)."""
        sender = self.senders.get(conversation.channel)
        if sender is None:
            return
        try:
            sender(conversation, message)
        except Exception:  # noqa: BLE001 - the transcript already holds the message
            log.exception("delivery of message %s failed", message.id)

    # ------------------------------------------------------------ opening

    def open_handoff(
        self,
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
            raise Invalid("invalid_reason", f"未知的转人工原因：{reason}")
        now = self._now(now)
        won = rows_changed(db, update(Conversation)
            .where(
                Conversation.id == conversation.id,
                Conversation.handoff_state.not_in(OPEN_STATES),
            )
            .values(handoff_state=HandoffState.WAITING, updated_at=now))
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
        record(db, handoff, "bot", "opened", now, reason=reason, department=handoff.department)
        self._after_commit(db, conversation, handoff=handoff, action="opened")
        return handoff, True

    def citizen_notice(self, db: Session, handoff: Handoff, now: datetime | None = None) -> str:
        """What the bot tells the citizen on handing off: when a person will answer."""
        now = self._now(now)
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
        self, db: Session, conversation: Conversation, message_id: int, now: datetime | None = None
    ) -> Handoff | None:
        """A safety message arrived while handed off: this conversation goes first in the queue.

        The reason becomes ``safety`` (the event keeps the earlier one) so the queue says why.
        """
        handoff = open_handoff_of(db, conversation)
        if handoff is None:
            return None
        now = self._now(now)
        previous_reason = handoff.reason
        handoff.reason = "safety"
        handoff.priority = max(handoff.priority, routing.priority_for("safety"))
        detail = {"previous_reason": previous_reason, "message_id": message_id}
        record(db, handoff, "citizen", "safety", now, **detail)
        self._after_commit(db, conversation, handoff=handoff, action="safety")
        return handoff

    # ------------------------------------------------------------ operator actions

    def claim(
        self, db: Session, handoff_id: int, operator: User, now: datetime | None = None
    ) -> Handoff:
        """Give a waiting conversation to ``operator``; a second claim is refused."""
        now = self._now(now)
        won = rows_changed(db, update(Handoff)
            .where(Handoff.id == handoff_id, Handoff.state == HandoffState.WAITING)
            .values(state=HandoffState.ACTIVE, claimed_by=operator.username, claimed_at=now))
        if not won:
            db.rollback()
            handoff = get_handoff(db, handoff_id)
            if handoff.state == HandoffState.ACTIVE:
                raise Conflict("already_claimed", f"该会话已由 {handoff.claimed_by} 接手")
            raise Conflict("not_waiting", "该会话已结束，无法接手")
        handoff = get_handoff(db, handoff_id)
        db.refresh(handoff)
        conversation = handoff.conversation
        conversation.handoff_state = HandoffState.ACTIVE
        record(db, handoff, operator.username, "claimed", now)
        notice = self._tell_citizen(
            db, conversation, f"人工客服（{_operator_name(operator)}）已接入，正在为您服务。"
        )
        self._after_commit(db, conversation, [notice], handoff, "claimed")
        return handoff

    def reply(
        self, db: Session, handoff_id: int, operator: User, text: str, now: datetime | None = None
    ) -> Message:
        """Send ``text`` to the citizen; the first reply stops the first-response clock."""
        now = self._now(now)
        text = _clean_text(text)
        handoff = _active_for(db, handoff_id, operator)
        rows_changed(db, update(Handoff)
            .where(Handoff.id == handoff.id, Handoff.first_response_at.is_(None))
            .values(first_response_at=now)
        )
        message = self._line(
            db, handoff.conversation, "operator", text, author=_operator_name(operator)
        )
        self._after_commit(db, handoff.conversation, [message])
        return message

    def add_note(self, db: Session, handoff_id: int, operator: User, text: str) -> Message:
        """An internal note on the transcript; citizens never see notes."""
        handoff = get_handoff(db, handoff_id)
        note = self._line(
            db, handoff.conversation, "note", _clean_text(text), author=_operator_name(operator)
        )
        self._after_commit(db, handoff.conversation, [note])
        return note

    def transfer(
        self,
        db: Session,
        handoff_id: int,
        operator: User,
        department_code: str,
        now: datetime | None = None,
    ) -> Handoff:
        """Send the conversation back to the queue of another department."""
        now = self._now(now)
        target = department_named(db, department_code)
        if target is None:
            raise Invalid("unknown_department", f"找不到部门：{department_code}")
        handoff = get_handoff(db, handoff_id)
        if handoff.state == HandoffState.ACTIVE:
            handoff = _active_for(db, handoff_id, operator)
        if handoff.department == target.code:
            raise Invalid("same_department", f"该会话已在{target.name}")
        source = handoff.department
        won = db.execute(
            update(Handoff)
            .where(Handoff.id == handoff.id, Handoff.state == handoff.state)
            .values(
                department=target.code,
                state=HandoffState.WAITING,
                claimed_by=None,
                claimed_at=None,
            ))
        if not won:
            db.rollback()
            raise Conflict("state_changed", "该会话状态已变化，请刷新后重试")
        db.refresh(handoff)
        conversation = handoff.conversation
        conversation.handoff_state = HandoffState.WAITING
        record(db, handoff, operator.username, "transferred", now, source=source, target=target.code)
        notice = self._tell_citizen(db, conversation, f"您的问题已转交{target.name}，请稍候。")
        self._after_commit(db, conversation, [notice], handoff, "transferred")
        return handoff

    def resolve(
        self, db: Session, handoff_id: int, operator: User, now: datetime | None = None
    ) -> Handoff:
        """End the human part: the bot resumes and the citizen is asked for a rating."""
        now = self._now(now)
        handoff = _active_for(db, handoff_id, operator)
        won = rows_changed(db, update(Handoff)
            .where(Handoff.id == handoff.id, Handoff.state == HandoffState.ACTIVE)
            .values(state=HandoffState.RESOLVED, resolved_at=now))
        if not won:
            db.rollback()
            raise Conflict("already_resolved", "该会话已结束")
        db.refresh(handoff)
        conversation = handoff.conversation
        conversation.handoff_state = HandoffState.RESOLVED
        record(db, handoff, operator.username, "resolved", now)
        self.resumes.queue(db, conversation.session_id, handoff.id)
        notices = [
            self._tell_citizen(db, conversation, "本次人工服务已结束，您可以继续向智能助手提问。"),
            self._tell_citizen(
                db,
                conversation,
                "请为本次人工服务打分（1–5 分）：",
                buttons=RATING_BUTTONS,
                rating_for=handoff.id,
            ),
        ]
        self._after_commit(db, conversation, notices, handoff, "resolved", resume=True)
        return handoff

    # ------------------------------------------------------------ citizen rating

    def rate(self, db: Session, conversation: Conversation, score: Any) -> Handoff:
        """Store the citizen's 1–5 satisfaction score on their latest resolved handoff."""
        if isinstance(score, bool) or not isinstance(score, int) or not 1 <= score <= 5:
            raise Invalid("invalid_score", "评分须为 1 到 5 之间的整数")
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
            raise Conflict("nothing_to_rate", "当前没有可评价的人工服务")
        won = rows_changed(db, update(Handoff)
            .where(Handoff.id == handoff.id, Handoff.rating.is_(None))
            .values(rating=score))
        if not won:
            db.rollback()
            raise Conflict("already_rated", "您已评价过本次服务，感谢您的反馈。")
        db.refresh(handoff)
        record(db, handoff, "citizen", "rated", self._now(None), score=score)
        thanks = self._tell_citizen(db, conversation, f"感谢您的评价（{score} 分）！")
        self._after_commit(db, conversation, [thanks], handoff, "rated")
        return handoff


def _mark_last_query_handed_off(db: Session, session_id: str) -> None:
    last = db.scalar(
        select(QueryLog)
        .where(QueryLog.session_id == session_id)
        .order_by(QueryLog.id.desc())
        .limit(1)
    )
    if last is not None:
        last.handed_off = True


def _active_for(db: Session, handoff_id: int, operator: User) -> Handoff:
    """The handoff, if ``operator`` holds it; otherwise a clear refusal."""
    handoff = get_handoff(db, handoff_id)
    if handoff.state == HandoffState.WAITING:
        raise Conflict("not_claimed", "请先接手该会话再操作")
    if handoff.state == HandoffState.RESOLVED:
        raise Conflict("already_resolved", "该会话已结束")
    if handoff.claimed_by != operator.username:
        raise Forbidden("claimed_by_other", f"该会话由 {handoff.claimed_by} 处理中")
    return handoff
