"""Freshness of pushed requests: a timestamp within the window and a nonce used once.

A signed push can be captured (a proxy log, a leaked URL) and sent again; WeChat signs
``timestamp`` and ``nonce`` with our token, so refusing old timestamps and nonces seen
before makes a captured request useless. Nonces are remembered for twice the window
in Redis when configured (shared by every process), else in the database (shared by
threads and kept across a restart, when a replay inside the window would otherwise pass).
"""

from __future__ import annotations

import hashlib
import time
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import String, delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from core.db import Base, UtcDateTime, session_scope, utcnow


class SeenNonce(Base):
    """A nonce of a signed push, kept until its timestamp could no longer pass the window."""

    __tablename__ = "wechat_nonces"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, index=True)


class NonceStore(Protocol):
    def first_use(self, key: str, ttl_seconds: int) -> bool:
        """Remember ``key``; False when it was already seen within ``ttl_seconds``."""


class RedisNonceStore:
    def __init__(self, url: str) -> None:
        import redis

        self.client = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)

    def first_use(self, key: str, ttl_seconds: int) -> bool:
        return bool(self.client.set(f"wenzheng:wechat-nonce:{key}", 1, nx=True, ex=ttl_seconds))


class DatabaseNonceStore:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def first_use(self, key: str, ttl_seconds: int) -> bool:
        now = utcnow()
        try:
            with session_scope(self.sessions) as db:
                db.execute(delete(SeenNonce).where(
                    SeenNonce.seen_at < now - timedelta(seconds=ttl_seconds)))
                db.add(SeenNonce(key=key, seen_at=now))
        except IntegrityError:
            return False
        return True


def make_nonce_store(redis_url: str | None, sessions: sessionmaker[Session]) -> NonceStore:
    return RedisNonceStore(redis_url) if redis_url else DatabaseNonceStore(sessions)


def is_fresh(timestamp: str, window_seconds: int, now: float | None = None) -> bool:
    """Whether ``timestamp`` (seconds since the epoch) is within ``window_seconds`` of now."""
    try:
        moment = int(timestamp)
    except ValueError:
        return False
    return abs((time.time() if now is None else now) - moment) <= window_seconds


def nonce_key(timestamp: str, nonce: str) -> str:
    return hashlib.sha256(f"{timestamp}:{nonce}".encode()).hexdigest()


