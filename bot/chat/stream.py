"""The live transcript as Server-Sent Events.

The stream subscribes before reading the backlog, so no line falls between the two;
ids already sent are skipped. Each line is an SSE event whose ``id`` is the message id,
which lets a reconnecting browser resume with ``Last-Event-ID``. A stream ends after
``CHAT_STREAM_SECONDS`` (the browser reconnects ``retry`` ms later and resumes), so no
connection holds a server thread for ever.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

from flask import current_app

from bot import events
from bot.chat.service import handoff_view
from bot.chat.transcript import CITIZEN_ROLES, citizen_messages_after, message_view
from bot.db import session_factory
from bot.models import Conversation

RETRY_MILLISECONDS = 3000


def sse(data: Any, event: str | None = None, event_id: int | None = None) -> str:
    lines = []
    if event_id is not None:
        lines.append(f"id: {event_id}")
    if event is not None:
        lines.append(f"event: {event}")
    lines.append(f"data: {json.dumps(data, ensure_ascii=False)}")
    return "\n".join(lines) + "\n\n"


def live_transcript(conversation_id: int, session_id: str, after: int) -> Iterator[str]:
    """Backlog after ``after``, then live lines and handoff changes, with heartbeats."""
    heartbeat = current_app.config["CHAT_HEARTBEAT_SECONDS"]
    deadline = time.monotonic() + current_app.config["CHAT_STREAM_SECONDS"]
    yield f"retry: {RETRY_MILLISECONDS}\n\n"
    with events.subscribe(f"conversation:{session_id}") as subscription:
        backlog, handoff = _read(conversation_id, after)
        for message in backlog:
            yield sse(message, "message", message["id"])
            after = message["id"]
        yield sse(handoff, "handoff")
        while (left := deadline - time.monotonic()) > 0:
            event = subscription.get(timeout=min(heartbeat, left))
            if event is None:
                if left > heartbeat:
                    yield ": heartbeat\n\n"
            elif event.get("type") == "message":
                message = event["message"]
                if message["id"] > after and message["role"] in CITIZEN_ROLES:
                    yield sse(message, "message", message["id"])
                    after = message["id"]
            else:
                # Handoff changes come in whatever shape their sender chose: re-read the state.
                yield sse(_read(conversation_id, after)[1], "handoff")


def _read(conversation_id: int, after: int) -> tuple[list[Any], Any]:
    """A short-lived session: the stream must not hold a transaction open."""
    with session_factory()() as db:
        conversation = db.get_one(Conversation, conversation_id)
        backlog = [message_view(m) for m in citizen_messages_after(db, conversation_id, after)]
        return backlog, handoff_view(db, conversation)
