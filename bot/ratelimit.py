"""Fixed-window rate limits on Flask-Limiter: Redis storage when REDIS_URL is set, else memory.

Views count an event with ``allow(key, limit, window)`` at the point where it must count,
rather than through ``@limiter.limit`` route decorators: the chat counts a message only after
its text passed validation and counts per session only for a known session, the log-in counts
only POSTs and answers with its page, and each API answers with its own Chinese 429 body;
route decorators run before the view and would count rejected input too.
"""

from __future__ import annotations

from flask import Flask, current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from limits import RateLimitItemPerSecond

EXTENSION = "wenzheng.ratelimit"
REDIS_KEY_PREFIX = "wenzheng:rl"


def init_app(app: Flask) -> None:
    """Attach a limiter to ``app``; every app instance counts in its own memory or in Redis."""
    redis_url = app.config["REDIS_URL"]
    limiter = Limiter(
        get_remote_address,  # the client as ProxyFix resolved it behind PROXY_HOPS proxies
        strategy="fixed-window",
        storage_uri=redis_url or "memory://",
        storage_options=(
            {"key_prefix": REDIS_KEY_PREFIX, "socket_timeout": 5, "socket_connect_timeout": 5}
            if redis_url
            else {}
        ),
    )
    limiter.init_app(app)
    app.extensions[EXTENSION] = limiter


def allow(key: str, limit: int, window_seconds: int) -> bool:
    """Count one event for ``key`` on the current app; False once ``limit`` is exceeded."""
    limiter: Limiter = current_app.extensions[EXTENSION]
    return limiter.limiter.hit(RateLimitItemPerSecond(limit, window_seconds), key)
