"""The citizen web chat: the page at ``/`` and its JSON/SSE API under ``/api/v1/chat``."""

from __future__ import annotations

from typing import Any, TypedDict

from flask import Blueprint, Response, current_app, render_template, request, stream_with_context
from sqlalchemy.orm import Session

from bot import ratelimit
from bot.chat import service
from bot.chat.stream import live_transcript
from bot.chat.streamslots import StreamSlots
from bot.chat.transcript import MessageView, citizen_messages_after, message_view
from bot.db import get_db
from bot.errors import ApiError, json_body
from bot.models import Conversation

bp = Blueprint("chat", __name__)

RATE_WINDOW_SECONDS = 60


class ChatResponse(TypedDict):
    session_id: str
    user_message: MessageView
    messages: list[MessageView]
    handoff: service.HandoffView


class TranscriptResponse(TypedDict):
    session_id: str
    messages: list[MessageView]
    handoff: service.HandoffView


@bp.get("/")
def index() -> str:
    return render_template("chat/index.html", max_chars=current_app.config["MAX_QUERY_CHARS"])


@bp.post("/api/v1/chat")
def post_message() -> ChatResponse:
    body = json_body()
    text = _citizen_text(body.get("text"))
    session_id = body.get("session_id")
    if session_id is not None and not isinstance(session_id, str):
        raise ApiError(400, "invalid_session_id", "session_id 必须是字符串")
    _limit(f"chat:ip:{request.remote_addr}", "CHAT_RATE_PER_IP")
    db = get_db()
    if session_id is None:
        conversation = service.get_or_create_conversation(db)
    else:
        conversation = _conversation(db, session_id)
        _limit(f"chat:session:{session_id}", "CHAT_RATE_PER_SESSION")

    line = service.record_citizen_text(db, conversation, text)
    service.reply_to(db, conversation, line)
    # Everything the citizen should see since their line: the replies, and any notice
    # the handoff service stored meanwhile (for example the thanks for a rating).
    replies = [m for m in citizen_messages_after(db, conversation.id, line.id) if m.role != "user"]
    return ChatResponse(
        session_id=conversation.session_id,
        user_message=message_view(line),
        messages=[message_view(m) for m in replies],
        handoff=service.handoff_view(db, conversation),
    )


@bp.get("/api/v1/chat/<session_id>/messages")
def list_messages(session_id: str) -> TranscriptResponse:
    db = get_db()
    conversation = _conversation(db, session_id)
    after = _cursor(request.args.get("after"))
    return TranscriptResponse(
        session_id=conversation.session_id,
        messages=[message_view(m) for m in citizen_messages_after(db, conversation.id, after)],
        handoff=service.handoff_view(db, conversation),
    )


@bp.get("/api/v1/chat/<session_id>/stream")
def stream(session_id: str) -> Response:
    """Server-Sent Events; a reconnecting browser resumes after its ``Last-Event-ID``."""
    db = get_db()
    conversation = _conversation(db, session_id)
    after = _cursor(request.headers.get("Last-Event-ID") or request.args.get("after"))
    # Do not keep a transaction open for the life of the stream.
    db.close()
    slots: StreamSlots = current_app.extensions["wenzheng.streams"]
    client = request.remote_addr or "unknown"
    if not slots.acquire(client, conversation.session_id):
        # The page falls back to polling /messages when its stream is refused.
        raise ApiError(
            429, "too_many_streams", "实时连接过多，已改为定时刷新，请稍后再试。", retry_after=60
        )
    response = Response(
        stream_with_context(live_transcript(conversation.id, conversation.session_id, after)),
        mimetype="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
    response.call_on_close(lambda: slots.release(client, conversation.session_id))
    return response


def _citizen_text(text: Any) -> str:
    if not isinstance(text, str):
        raise ApiError(400, "invalid_text", "text 必须是字符串")
    text = text.strip()
    if not text:
        raise ApiError(400, "empty_text", "请输入您的问题。")
    limit = current_app.config["MAX_QUERY_CHARS"]
    if len(text) > limit:
        raise ApiError(400, "text_too_long", f"消息过长，请控制在 {limit} 字以内。", limit=limit)
    return text


def _conversation(db: Session, session_id: str) -> Conversation:
    try:
        return service.get_or_create_conversation(db, session_id=session_id)
    except service.UnknownSession:
        raise ApiError(
            404, "unknown_session", "会话不存在或已失效，请刷新页面开始新的对话。"
        ) from None


def _cursor(raw: str | None) -> int:
    if raw is None or raw == "":
        return 0
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 18):
        raise ApiError(400, "invalid_cursor", "after 必须是非负整数")
    return int(raw)


def _limit(key: str, setting: str) -> None:
    if not ratelimit.allow(key, current_app.config[setting], RATE_WINDOW_SECONDS):
        raise ApiError(
            429, "rate_limited", "您发送得太快了，请稍等一分钟再试。", retry_after=RATE_WINDOW_SECONDS
        )
