"""One turn at a time per conversation, across every app process (production mode).

Rasa's ``RedisLockStore`` issues its tickets by reading, changing and writing back the
lock, which two Rasa servers can interleave (RasaHQ/rasa#9213; the atomic variant was
reverted, #11428). Two turns of one conversation sent at once to two servers are then
both processed from the same tracker and one turn's events are lost (a citizen's double
send is enough). The relay therefore holds a lock of its own while Rasa answers. Redis's
``SET NX PX`` makes taking it atomic, and it expires, so a crashed process cannot block a
conversation longer than the lease. With one Rasa server (the embedded mode) Rasa's
in-process lock store already serialises turns: no lock is needed there.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext

import redis
from flask import current_app


class TurnBusy(Exception):
    """Another turn of the conversation held the lock for longer than we could wait."""


class RedisTurnLocks:
    def __init__(self, url: str) -> None:
        self.client = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)

    @contextmanager
    def hold(self, session_id: str, wait: float) -> Iterator[None]:
        """Hold the conversation's lock; its lease outlasts the wait by a margin, so a turn
        that waited the whole time still finishes under the lock."""
        lock = self.client.lock(f"wenzheng:turn:{session_id}", timeout=wait + 10, blocking_timeout=wait)
        if not lock.acquire():
            raise TurnBusy(session_id)
        try:
            yield
        finally:
            try:
                lock.release()
            except redis.exceptions.LockError:  # the lease ran out first: the lock is already free
                current_app.logger.warning("turn lock of %s expired before release", session_id)


def make_turn_locks(redis_url: str | None) -> RedisTurnLocks | None:
    return RedisTurnLocks(redis_url) if redis_url else None


def one_turn_at_a_time(session_id: str, wait: float) -> AbstractContextManager[None]:
    """The current app's lock for the conversation (nothing to hold in embedded mode)."""
    locks: RedisTurnLocks | None = current_app.extensions["wenzheng.turnlocks"]
    return locks.hold(session_id, wait) if locks else nullcontext()
