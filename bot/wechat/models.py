"""WeChat's own tables: pushed messages (dedup + work queue) and outgoing deliveries.

The queues are job tables of the one outbox (``core.outbox``), written before any work
is done, so a crash or restart loses nothing: pending rows are picked up again, and the
unique keys make sure nothing is handled twice.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, UtcDateTime, utcnow
from core.outbox import JobState


class WeChatInbound(Base):
    """One message WeChat pushed to us; ``msg_key`` (MsgId) rejects WeChat's retries."""

    __tablename__ = "wechat_inbound"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    msg_key: Mapped[str] = mapped_column(String(128), unique=True)
    openid: Mapped[str] = mapped_column(String(128), index=True)
    msg_type: Mapped[str] = mapped_column(String(20))
    content: Mapped[str] = mapped_column(Text, default="")
    event: Mapped[str] = mapped_column(String(64), default="")
    state: Mapped[str] = mapped_column(String(16), default=JobState.PENDING, index=True)
    error: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class WeChatOutbound(Base):
    """One transcript line to push to a citizen, split into WeChat-sized parts.

    ``message_id`` is unique so a line reaching us twice (worker and operator sender)
    is sent once; ``sent_parts`` lets a retry resume after the last part that went out.
    """

    __tablename__ = "wechat_outbound"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[int] = mapped_column(Integer, unique=True)
    openid: Mapped[str] = mapped_column(String(128), index=True)
    parts: Mapped[list[str]] = mapped_column(JSON, default=list)
    sent_parts: Mapped[int] = mapped_column(Integer, default=0)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    state: Mapped[str] = mapped_column(String(16), default=JobState.PENDING, index=True)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class WeChatConsent(Base):
    """How many subscription messages (订阅消息) of a template a citizen allowed us to send.

    Each "accept" of ``wx.requestSubscribeMessage`` allows one message; each send uses one.
    """

    __tablename__ = "wechat_consent"
    __table_args__ = (UniqueConstraint("openid", "template_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    openid: Mapped[str] = mapped_column(String(128))
    template_id: Mapped[str] = mapped_column(String(128))
    credits: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(
        UtcDateTime(), default=utcnow, onupdate=utcnow
    )


class WeChatNotice(Base):
    """One subscription message announcing a transcript line (an operator's reply).

    ``message_id`` is unique so a line is announced once; a failure keeps its ``errcode``
    (43101: no consent, never retried; quota errors: ``flask wechat retry`` sends it again).
    """

    __tablename__ = "wechat_notice"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[int] = mapped_column(Integer, unique=True)
    openid: Mapped[str] = mapped_column(String(128), index=True)
    template_id: Mapped[str] = mapped_column(String(128))
    data: Mapped[dict[str, dict[str, str]]] = mapped_column(JSON, default=dict)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    errcode: Mapped[int | None] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(16), default=JobState.PENDING, index=True)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
