"""Server-Sent Events for operator pages: each event tells the page to refresh a part."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

from flask import Response, current_app

# Waitress gives each open stream a thread; EventSource reconnects by itself afterwards.
MAX_STREAM_SECONDS = 300


def event_stream(topic: str) -> Response:
    bus = current_app.extensions["wenzheng.events"]
    heartbeat = current_app.config.get("CHAT_HEARTBEAT_SECONDS", 15.0)

    def generate() -> Iterator[str]:
        deadline = time.monotonic() + MAX_STREAM_SECONDS
        with bus.subscribe(topic) as subscription:
            yield "retry: 2000\n\n"
            while time.monotonic() < deadline:
                event = subscription.get(timeout=heartbeat)
                if event is None:
                    yield ": keep-alive\n\n"
                else:
                    yield f"data: {json.dumps(event, ensure_ascii=False, default=str)}\n\n"

    return Response(
        generate(),
        mimetype="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
