"""The web app's own tables: staff, conversations, handoffs, query logs (departments are
the organisation's, in ``core.organisation``)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, UtcDateTime, utcnow
from core.outbox import JobState


class Role(StrEnum):
    EDITOR = "editor"
    REVIEWER = "reviewer"
    OPERATOR = "operator"
    ADMIN = "admin"


class User(Base):
    """A staff account; citizens have no accounts."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    display_name: Mapped[str] = mapped_column(String(100), default="")
    password_hash: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(16))
    department: Mapped[str | None] = mapped_column(String(50))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class HandoffState(StrEnum):
    NONE = "none"
    WAITING = "waiting"
    ACTIVE = "active"
    RESOLVED = "resolved"


class Conversation(Base):
    """One citizen's chat, whatever the channel; ``session_id`` is its public id."""

    __tablename__ = "conversations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[str] = mapped_column(String(64), unique=True)
    channel: Mapped[str] = mapped_column(String(20), default="web")
    # The channel's own user id (WeChat openid), so one citizen keeps one conversation.
    citizen_ref: Mapped[str | None] = mapped_column(String(128), index=True)
    handoff_state: Mapped[str] = mapped_column(String(16), default=HandoffState.NONE, index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        UtcDateTime(), default=utcnow, onupdate=utcnow
    )

    messages: Mapped[list[Message]] = relationship(
        back_populates="conversation", order_by="Message.id"
    )


class Message(Base):
    """A transcript line. ``id`` orders the transcript and is the polling cursor."""

    __tablename__ = "messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"), index=True)
    # "user", "bot", "operator", "system", or "note" (operators only, never shown to citizens).
    role: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text, default="")
    # Citations, buttons and candidates as the channels render them.
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    decision: Mapped[str | None] = mapped_column(String(16))
    confidence: Mapped[float | None] = mapped_column(Float)
    author: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)

    conversation: Mapped[Conversation] = relationship(back_populates="messages")


class Handoff(Base):
    """A request for a human, from creation to resolution, with its timings."""

    __tablename__ = "handoffs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"), index=True)
    # One of ``bot.handoff.routing.REASONS``.
    reason: Mapped[str] = mapped_column(String(32))
    priority: Mapped[int] = mapped_column(Integer, default=0)
    department: Mapped[str | None] = mapped_column(String(50), index=True)
    state: Mapped[str] = mapped_column(String(16), default=HandoffState.WAITING, index=True)
    last_query: Mapped[str | None] = mapped_column(Text)
    # What the bot knew when it escalated: recent turns, decisions, confidences.
    bot_context: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    claimed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    first_response_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    escalated_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    rating: Mapped[int | None] = mapped_column(Integer)
    rating_comment: Mapped[str | None] = mapped_column(Text)

    conversation: Mapped[Conversation] = relationship()


class QueryLog(Base):
    """Every question the answer engine saw, for gap finding and the dashboard."""

    __tablename__ = "query_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, index=True)
    session_id: Mapped[str | None] = mapped_column(String(64), index=True)
    query: Mapped[str] = mapped_column(Text)
    decision: Mapped[str] = mapped_column(String(16), index=True)
    confidence: Mapped[float] = mapped_column(Float)
    top_source_id: Mapped[str | None] = mapped_column(String(200))
    # Set by citizen feedback (有帮助 / 没帮助) or a handoff.
    helpful: Mapped[bool | None] = mapped_column(Boolean)
    handed_off: Mapped[bool] = mapped_column(Boolean, default=False)


class GapDismissal(Base):
    """A gap staff decided not to act on, and why; its questions are not listed again."""

    __tablename__ = "gap_dismissals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    actor: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str] = mapped_column(Text)
    questions: Mapped[list[str]] = mapped_column(JSON, default=list)


class CannedReply(Base):
    """A reply template operators insert with one click; managed by admins."""

    __tablename__ = "canned_replies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(100))
    text: Mapped[str] = mapped_column(Text)
    department: Mapped[str | None] = mapped_column(String(50))


class HandoffEvent(Base):
    """One step in a handoff's history (opened, claimed, transferred, resolved, escalated ...)."""

    __tablename__ = "handoff_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    handoff_id: Mapped[int] = mapped_column(ForeignKey("handoffs.id"), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(32))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class PendingResume(Base):
    """Outbox job (``core.outbox``): Rasa has to be told that the bot may resume a resolved
    conversation. Done rows stay as the record of when the bot resumed."""

    __tablename__ = "pending_resumes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[str] = mapped_column(String(64), index=True)
    handoff_id: Mapped[int] = mapped_column(ForeignKey("handoffs.id"))
    state: Mapped[str] = mapped_column(String(16), default=JobState.PENDING, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # The outbox's ``error``; the column keeps its first name.
    error: Mapped[str | None] = mapped_column("last_error", Text)
    # Backoff: a failed resume is not tried again before this moment.
    not_before: Mapped[datetime | None] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class LoginThrottle(Base):
    """Failed logins of one account name (existing or not), for the exponential lock-out."""

    __tablename__ = "login_throttles"

    username: Mapped[str] = mapped_column(String(100), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    # Unix time before which the account takes no password at all.
    locked_until: Mapped[float] = mapped_column(Float, default=0.0)
