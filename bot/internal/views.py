"""`/internal/v1`: the action server hands conversations off and records feedback."""

from __future__ import annotations

from typing import Any, TypedDict

from flask import Blueprint
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.chat.service import UnknownSession, get_or_create_conversation
from bot.db import get_db
from bot.desk import desk
from bot.errors import ApiError, json_body
from bot.handoff.routing import REASONS
from bot.internal import access
from bot.models import Conversation, QueryLog
from wire.handoff import HandoffRequest, HandoffResponse

bp = Blueprint("internal", __name__, url_prefix="/internal/v1")

MAX_SESSION_ID = 64
MAX_QUERY_CHARS = 2000


class FeedbackResponse(TypedDict):
    session_id: str
    query_id: int
    helpful: bool


@bp.before_request
def _require_internal_caller() -> None:
    """Only configured internal addresses, and only with the token."""
    if not access.from_internal_address():
        raise ApiError(403, "not_internal", "内部接口只接受内部网络地址的调用")
    if not access.has_internal_token():
        raise ApiError(401, "unauthorized", "内部接口凭证无效")


def _session_id(body: dict[str, Any]) -> str:
    session_id = body.get("session_id")
    if not isinstance(session_id, str) or not 0 < len(session_id.strip()) <= MAX_SESSION_ID:
        raise ApiError(400, "invalid_session_id", f"session_id 必须是 1–{MAX_SESSION_ID} 个字符")
    return session_id.strip()


def _parse_handoff(body: dict[str, Any]) -> HandoffRequest:
    reason = body.get("reason", "user_request")
    if reason not in REASONS:
        raise ApiError(400, "invalid_reason", f"reason 必须是：{'、'.join(REASONS)}")
    last_query = body.get("last_query") or ""
    if not isinstance(last_query, str) or len(last_query) > MAX_QUERY_CHARS:
        raise ApiError(
            400, "invalid_last_query", f"last_query 须为不超过 {MAX_QUERY_CHARS} 字的文本"
        )
    context = body.get("bot_context") or {}
    if not isinstance(context, dict) or not isinstance(context.get("turns", []), list):
        raise ApiError(400, "invalid_bot_context", 'bot_context 须为 {"turns": [...]} 对象')
    return HandoffRequest(
        session_id=_session_id(body), reason=reason, last_query=last_query, bot_context=context
    )


def _conversation(db: Session, session_id: str) -> Conversation:
    """The session's conversation; one that only Rasa knew (REST channel) is created."""
    try:
        return get_or_create_conversation(db, session_id=session_id)
    except UnknownSession:
        pass
    db.add(Conversation(session_id=session_id, channel="rest"))
    try:
        db.commit()
    except IntegrityError:  # created meanwhile by a concurrent request
        db.rollback()
    return get_or_create_conversation(db, session_id=session_id)


@bp.post("/handoffs")
def create_handoff():
    """Queue the session for a person; repeated calls return the open handoff (200)."""
    payload = _parse_handoff(json_body())
    db = get_db()
    conversation = _conversation(db, payload["session_id"])
    handoff, created = desk().open_handoff(
        db,
        conversation,
        payload["reason"],
        last_query=payload["last_query"] or None,
        bot_context=payload["bot_context"],
    )
    body = HandoffResponse(
        handoff_id=handoff.id,
        state=handoff.state,
        department=handoff.department,
        message=desk().citizen_notice(db, handoff),
        created=created,
    )
    return body, 201 if created else 200


@bp.post("/feedback")
def feedback():
    """Mark the session's latest answered question as helpful or not."""
    body = json_body()
    session_id = _session_id(body)
    helpful = body.get("helpful")
    if not isinstance(helpful, bool):
        raise ApiError(400, "invalid_helpful", "helpful 必须是 true 或 false")
    db = get_db()
    last = db.scalar(
        select(QueryLog)
        .where(QueryLog.session_id == session_id)
        .order_by(QueryLog.id.desc())
        .limit(1)
    )
    if last is None:
        raise ApiError(404, "no_query", "该会话还没有可评价的回答")
    last.helpful = helpful
    db.commit()
    return FeedbackResponse(session_id=session_id, query_id=last.id, helpful=helpful)
