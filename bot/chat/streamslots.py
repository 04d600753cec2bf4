"""Admission for live streams: each holds a server thread, so they are counted and capped.

Counts are per app process, as the thread pool they protect is: a total cap well below
the pool size keeps threads free for chat turns, consoles and ``/internal``, and per
client-address and per-session caps keep one visitor from taking all the slots.
"""

from __future__ import annotations

import threading
from collections import Counter


class StreamSlots:
    def __init__(self, total: int, per_client: int, per_session: int) -> None:
        self.total = total
        self.per_client = per_client
        self.per_session = per_session
        self._lock = threading.Lock()
        self._open = 0
        self._clients: Counter[str] = Counter()
        self._sessions: Counter[str] = Counter()

    def acquire(self, client: str, session_id: str) -> bool:
        """Take a slot for one stream; False when any cap is reached."""
        with self._lock:
            if (
                self._open >= self.total
                or self._clients[client] >= self.per_client
                or self._sessions[session_id] >= self.per_session
            ):
                return False
            self._open += 1
            self._clients[client] += 1
            self._sessions[session_id] += 1
            return True

    def release(self, client: str, session_id: str) -> None:
        with self._lock:
            self._open -= 1
            self._clients[client] -= 1
            self._sessions[session_id] -= 1
            # Counter keeps zero entries: drop them so memory follows open streams only.
            self._clients += Counter()
            self._sessions += Counter()
