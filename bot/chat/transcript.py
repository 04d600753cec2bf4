"""The stored transcript: adding lines, reading them back, their wire shape.

Flask-free (the handoff domain writes lines too). A line is announced on
``conversation:<session_id>`` only after its commit, so a live reader that misses an
event can always catch up from the database; ``bot.chat.service.append_message`` does
both for the web app.
"""

from __future__ import annotations

from typing import Any, TypedDict

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.chat.privacy import mask
from bot.models import Conversation, Message
from core.db import utcnow

# Lines a citizen may see; "note" lines are for operators only.
CITIZEN_ROLES = ("user", "bot", "operator", "system")


class MessageView(TypedDict):
    id: int
    role: str
    text: str
    citations: list[dict[str, Any]]
    buttons: list[dict[str, str]]
    confidence: float | None
    decision: str | None
    created_at: str


class MessageEvent(TypedDict):
    """What ``conversation:<session_id>`` carries for each new line."""

    type: str  # "message"
    message: MessageView


def add_line(
    db: Session,
    conversation: Conversation,
    role: str,
    text: str,
    *,
    masking: bool,
    payload: dict[str, Any] | None = None,
    decision: str | None = None,
    confidence: float | None = None,
    author: str | None = None,
) -> Message:
    """Add one transcript line to the unit of work (personal numbers masked if ``masking``);
    the caller commits, then publishes ``message_event``."""
    if masking:
        text = mask(text)
    message = Message(
        conversation=conversation,
        role=role,
        text=text,
        payload=payload or {},
        decision=decision,
        confidence=confidence,
        author=author,
    )
    db.add(message)
    conversation.updated_at = utcnow()
    db.flush()
    return message


def message_event(message: Message) -> MessageEvent:
    return MessageEvent(type="message", message=message_view(message))


def message_view(message: Message) -> MessageView:
    payload = message.payload or {}
    return MessageView(
        id=message.id,
        role=message.role,
        text=message.text,
        citations=payload.get("citations", []),
        buttons=payload.get("buttons", []),
        confidence=message.confidence,
        decision=message.decision,
        created_at=message.created_at.isoformat(),
    )


def citizen_messages_after(db: Session, conversation_id: int, after: int) -> list[Message]:
    """The lines a citizen may see with an id above ``after``, oldest first."""
    return list(
        db.scalars(
            select(Message)
            .where(
                Message.conversation_id == conversation_id,
                Message.id > after,
                Message.role.in_(CITIZEN_ROLES),
            )
            .order_by(Message.id)
        )
    )
