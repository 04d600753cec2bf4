"""Live events (new messages, queue changes) for Server-Sent Events streams.

In-process by default; Redis pub/sub when ``REDIS_URL`` is set, so an operator on
one app process sees a citizen message received by another.
"""

from __future__ import annotations

import contextlib
import json
import queue
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any, Protocol

from flask import current_app


class Subscription(Protocol):
    def get(self, timeout: float) -> dict[str, Any] | None:
        """The next event, or None when ``timeout`` seconds pass without one."""


class EventBus(Protocol):
    def publish(self, topic: str, data: Mapping[str, Any]) -> None: ...

    def subscribe(self, topic: str) -> Any:
        """A context manager yielding a ``Subscription``."""


class _QueueSubscription:
    def __init__(self) -> None:
        self.queue: queue.Queue[dict[str, Any]] = queue.Queue(maxsize=1000)

    def get(self, timeout: float) -> dict[str, Any] | None:
        try:
            return self.queue.get(timeout=timeout)
        except queue.Empty:
            return None


class LocalBus:
    """Fan-out to subscribers of this process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscribers: dict[str, set[_QueueSubscription]] = {}

    def publish(self, topic: str, data: Mapping[str, Any]) -> None:
        with self._lock:
            targets = list(self._subscribers.get(topic, ()))
        for sub in targets:
            # A stalled reader loses live events, never the stored transcript.
            with contextlib.suppress(queue.Full):
                sub.queue.put_nowait(dict(data))

    @contextmanager
    def subscribe(self, topic: str) -> Iterator[_QueueSubscription]:
        sub = _QueueSubscription()
        with self._lock:
            self._subscribers.setdefault(topic, set()).add(sub)
        try:
            yield sub
        finally:
            with self._lock:
                self._subscribers[topic].discard(sub)


class _RedisSubscription:
    def __init__(self, pubsub: Any) -> None:
        self.pubsub = pubsub

    def get(self, timeout: float) -> dict[str, Any] | None:
        message = self.pubsub.get_message(ignore_subscribe_messages=True, timeout=timeout)
        return json.loads(message["data"]) if message else None


class RedisBus:
    """Pub/sub through Redis, shared by every app process."""

    def __init__(self, url: str) -> None:
        import redis

        self.client = redis.Redis.from_url(url, socket_timeout=30, socket_connect_timeout=5)

    def publish(self, topic: str, data: Mapping[str, Any]) -> None:
        self.client.publish(f"wenzheng:{topic}", json.dumps(data, ensure_ascii=False, default=str))

    @contextmanager
    def subscribe(self, topic: str) -> Iterator[_RedisSubscription]:
        pubsub = self.client.pubsub()
        pubsub.subscribe(f"wenzheng:{topic}")
        try:
            yield _RedisSubscription(pubsub)
        finally:
            pubsub.close()


def make_bus(redis_url: str | None) -> EventBus:
    return RedisBus(redis_url) if redis_url else LocalBus()


def publish(topic: str, data: Mapping[str, Any]) -> None:
    """Publish on the current app's bus."""
    current_app.extensions["wenzheng.events"].publish(topic, data)


def subscribe(topic: str) -> Any:
    return current_app.extensions["wenzheng.events"].subscribe(topic)
