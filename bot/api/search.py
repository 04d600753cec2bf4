"""`/api/v1/search` and `/api/v1/answer`: the answer engine over HTTP.

Anonymous callers are rate-limited per client address; the action server (an internal
caller, ``bot.internal.access``) is not. Only questions of real conversations are logged
for the gaps page and the dashboard: the action server's, or a session the chat store knows.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify, request
from sqlalchemy import select

from bot import ratelimit
from bot.chat.privacy import mask
from bot.db import get_db
from bot.errors import ApiError, json_body
from bot.internal.access import is_internal_caller
from bot.models import Conversation, QueryLog
from generation.composer import ground_if_enabled
from retrieval.service import RetrievalService

bp = Blueprint("search_api", __name__, url_prefix="/api/v1")

MAX_TOP_K = 50
MAX_HISTORY = 10
RATE_WINDOW_SECONDS = 60
MAX_SESSION_ID = 64  # QueryLog.session_id


@bp.before_request
def _rate_limit() -> None:
    if is_internal_caller():
        return
    limit = current_app.config["API_RATE_PER_IP"]
    if not ratelimit.allow(f"api:ip:{request.remote_addr}", limit, RATE_WINDOW_SECONDS):
        raise ApiError(
            429, "rate_limited", "查询过于频繁，请稍等一分钟再试。", retry_after=RATE_WINDOW_SECONDS
        )


def _engine() -> RetrievalService:
    return current_app.extensions["wenzheng.retrieval"]


def _query(data: dict[str, Any]) -> str:
    query = data.get("query")
    if not isinstance(query, str) or not query.strip():
        raise ApiError(400, "empty_query", "问题不能为空")
    limit = current_app.config["MAX_QUERY_CHARS"]
    if len(query) > limit:
        raise ApiError(400, "query_too_long", f"问题过长，请控制在{limit}字以内")
    return query.strip()


def _history(data: dict[str, Any]) -> list[str]:
    history = data.get("history", [])
    if not isinstance(history, list) or not all(isinstance(turn, str) for turn in history):
        raise ApiError(422, "invalid_history", "history 必须是字符串列表")
    limit = current_app.config["MAX_QUERY_CHARS"]
    return [turn[:limit] for turn in history[-MAX_HISTORY:]]


def _top_k(data: dict[str, Any]) -> int:
    top_k = data.get("top_k", 5)
    if not isinstance(top_k, int) or isinstance(top_k, bool) or not 1 <= top_k <= MAX_TOP_K:
        raise ApiError(422, "invalid_top_k", f"top_k 必须是 1 到 {MAX_TOP_K} 之间的整数")
    return top_k


def _pick(data: dict[str, Any]) -> dict[str, str] | None:
    pick = data.get("pick")
    if pick is None:
        return None
    if not isinstance(pick, dict) or not isinstance(pick.get("source_id"), str):
        raise ApiError(422, "invalid_pick", "pick 必须包含 source_id")
    return {"source_id": pick["source_id"], "locator": str(pick.get("locator") or "")}


@bp.post("/search")
def search():
    data = json_body()
    result = _engine().search(_query(data), top_k=_top_k(data), history=_history(data))
    return jsonify(result)


@bp.post("/answer")
def answer():
    data = json_body()
    session_id = data.get("session_id")
    if session_id is not None and not isinstance(session_id, str):
        raise ApiError(422, "invalid_session_id", "session_id 必须是字符串")
    question, history = _query(data), _history(data)
    config = current_app.config
    result = _engine().answer(
        question, history=history, pick=_pick(data), with_sources=config["GENERATION_ENABLED"]
    )
    result = ground_if_enabled(result, question, history, config)
    if session_id and _is_real_conversation(session_id):
        _log_query(result, question, session_id)
    return jsonify(result)


def _is_real_conversation(session_id: str) -> bool:
    """The action server's session (Rasa may know chats the app never saw), or a stored chat."""
    if len(session_id) > MAX_SESSION_ID or "\x00" in session_id:
        return False
    if is_internal_caller():
        return True
    return get_db().scalar(select(Conversation.id).where(Conversation.session_id == session_id)) is not None


def _log_query(result: dict[str, Any], question: str, session_id: str) -> None:
    """Remember the citizen's own question (personal numbers masked; not the follow-up
    joined with earlier turns that the engine searched) for gap finding and the dashboard."""
    top = result["citations"][0]["source_id"] if result["citations"] else None
    db = get_db()
    db.add(
        QueryLog(
            session_id=session_id,
            query=mask(question),
            decision=result["decision"],
            confidence=result["confidence"],
            top_source_id=top,
        )
    )
    db.commit()
