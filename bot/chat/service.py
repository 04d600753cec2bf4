"""One citizen turn, whatever the channel: store it, then route it to Rasa or a person.

While a conversation is handed off (waiting/active) citizen lines go to the operator
queue, not to the bot; only a safety message still gets the bot's emergency numbers. Rasa being down never loses the line and never fails the
request: the citizen gets a stored apology with a 转人工 button that works without Rasa.
"""

from __future__ import annotations

import json
import re
import secrets
from typing import Any, TypedDict

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import events
from bot.chat import rasa_client
from bot.chat.privacy import mask
from bot.chat.transcript import add_line, message_event
from bot.chat.turnlock import TurnBusy, one_turn_at_a_time
from bot.desk import desk
from bot.handoff.errors import HandoffError
from bot.handoff.service import OPEN_STATES
from bot.models import Conversation, Handoff, Message
from nlu_components.safety import emergency_message, is_safety_message

REQUEST_HUMAN = "/request_human"
HUMAN_BUTTON = {"title": "转人工", "payload": REQUEST_HUMAN}
RASA_DOWN_APOLOGY = (
    "抱歉，智能助手暂时无法回答，请稍后再试。您也可以点击“转人工”，由人工客服为您解答。"
)
# How the permanent buttons of the page read in the transcript.
PAYLOAD_TITLES = {
    REQUEST_HUMAN: "转人工",
    "/feedback_helpful": "有帮助",
    "/feedback_unhelpful": "没帮助",
}
_RATE = re.compile(r"^/rate(\{.*\})$", re.DOTALL)


def append_message(
    db: Session,
    conversation: Conversation,
    role: str,
    text: str,
    payload: dict[str, Any] | None = None,
    decision: str | None = None,
    confidence: float | None = None,
    author: str | None = None,
) -> Message:
    """Store one transcript line, commit, and announce it to live readers."""
    message = add_line(
        db,
        conversation,
        role,
        text,
        masking=current_app.config["TRANSCRIPT_MASKING"],
        payload=payload,
        decision=decision,
        confidence=confidence,
        author=author,
    )
    db.commit()
    events.publish(f"conversation:{conversation.session_id}", dict(message_event(message)))
    return message


class UnknownSession(LookupError):
    """No conversation has this session id (never issued, or mistyped)."""


class HandoffView(TypedDict):
    state: str
    department: str | None
    # True once the citizen rated the latest resolved handoff (the page hides the stars).
    rated: bool
    rating: int | None  # the score given, shown as the chosen button after a reload


def new_session_id() -> str:
    """An unguessable public id: 192 random bits."""
    return secrets.token_urlsafe(24)


def get_or_create_conversation(
    db: Session,
    session_id: str | None = None,
    channel: str = "web",
    citizen_ref: str | None = None,
    fresh: bool = False,
) -> Conversation:
    """The conversation of ``session_id``, or of ``citizen_ref`` on ``channel``, or a new one
    (always a new one with ``fresh``: the citizen asked for 新对话).

    Raises ``UnknownSession`` for a session id the server never issued.
    """
    if session_id is not None:
        conversation = db.scalar(select(Conversation).where(Conversation.session_id == session_id))
        if conversation is None:
            raise UnknownSession(session_id)
        return conversation
    if citizen_ref is not None and not fresh:
        conversation = db.scalar(
            select(Conversation)
            .where(Conversation.channel == channel, Conversation.citizen_ref == citizen_ref)
            .order_by(Conversation.id.desc())
            .limit(1)
        )
        if conversation is not None:
            return conversation
    conversation = Conversation(
        session_id=new_session_id(), channel=channel, citizen_ref=citizen_ref
    )
    db.add(conversation)
    db.commit()
    return conversation


def handoff_view(db: Session, conversation: Conversation) -> HandoffView:
    latest = db.scalar(
        select(Handoff)
        .where(Handoff.conversation_id == conversation.id)
        .order_by(Handoff.id.desc())
        .limit(1)
    )
    return HandoffView(
        state=conversation.handoff_state,
        department=latest.department if latest else None,
        rated=latest is not None and latest.rating is not None,
        rating=latest.rating if latest is not None else None,
    )


def record_citizen_text(db: Session, conversation: Conversation, text: str) -> Message:
    """Store what the citizen sent; a button payload is stored under its button's title."""
    if not text.startswith("/"):
        return append_message(db, conversation, "user", text)
    return append_message(
        db, conversation, "user", _payload_title(db, conversation, text), payload={"payload": text}
    )


def reply_to(db: Session, conversation: Conversation, line: Message) -> list[Message]:
    """Route a stored citizen line: rating, operator queue, or Rasa."""
    text = line.payload.get("payload", line.text)
    score = _rating_score(text)
    if score is not None:
        return _rate(db, conversation, score)
    if conversation.handoff_state in OPEN_STATES:
        if text == REQUEST_HUMAN:
            return [append_message(db, conversation, "system", "已在为您转接人工客服，请稍候。")]
        events.publish(
            "queue",
            {
                "type": "citizen_message",
                "session_id": conversation.session_id,
                "message_id": line.id,
            },
        )
        if is_safety_message(text):
            return [_answer_safety_while_handed_off(db, conversation, line)]
        return []
    return _relay_to_rasa(db, conversation, text)


def _relay_to_rasa(db: Session, conversation: Conversation, text: str) -> list[Message]:
    config = current_app.config
    # Rasa's tracker store and the answer engine's query log keep what they receive,
    # so personal numbers never leave the transcript. Only a button the bot offered goes
    # as is (its payload names a source); anything typed, "/" lines included, is masked.
    offered = text.startswith("/") and _button_title(db, conversation, text) is not None
    outgoing = text if offered else mask(text)
    try:
        # Held until the replies are stored, so a double send is answered in order.
        with one_turn_at_a_time(conversation.session_id, config["RASA_TIMEOUT"]):
            raw = rasa_client.send(
                config["RASA_URL"], conversation.session_id, outgoing, config["RASA_TIMEOUT"]
            )
            replies = [
                append_message(
                    db,
                    conversation,
                    "bot",
                    reply["text"],
                    payload={
                        "citations": reply["citations"],
                        "buttons": reply["buttons"],
                        "candidates": reply["candidates"],
                        # Reviewers audit generated answers from the stored line.
                        **({"generation": reply["generation"]} if "generation" in reply else {}),
                    },
                    decision=reply["decision"],
                    confidence=reply["confidence"],
                )
                for reply in rasa_client.parse_replies(raw)
            ]
    except (rasa_client.RasaUnavailable, TurnBusy) as exc:
        current_app.logger.warning("Rasa unavailable for %s: %r", conversation.session_id, exc)
        if text == REQUEST_HUMAN:
            return [_open_handoff_without_rasa(db, conversation)]
        return [
            append_message(
                db, conversation, "system", RASA_DOWN_APOLOGY, payload={"buttons": [HUMAN_BUTTON]}
            )
        ]
    # Rasa's handoff action changed the state through the internal API, in another session.
    db.refresh(conversation)
    return replies


def _answer_safety_while_handed_off(
    db: Session, conversation: Conversation, line: Message
) -> Message:
    """Rasa sees nothing during a handoff, so the relay gives the emergency numbers itself
    and moves the conversation to the top of the operator queue."""
    answer = append_message(db, conversation, "bot", emergency_message())
    desk().flag_safety(db, conversation, line.id)
    return answer


def _open_handoff_without_rasa(db: Session, conversation: Conversation) -> Message:
    questions = db.scalars(
        select(Message.text)
        .where(Message.conversation_id == conversation.id, Message.role == "user")
        .order_by(Message.id.desc())
        .limit(10)
    ).all()
    last_query = next((q for q in questions if q not in PAYLOAD_TITLES.values()), None)
    handoff, _ = desk().open_handoff(
        db,
        conversation,
        "user_request",
        last_query=last_query,
        bot_context={"turns": list(reversed(questions)), "rasa": "unavailable"},
    )
    return append_message(db, conversation, "system", desk().citizen_notice(db, handoff))


def _rate(db: Session, conversation: Conversation, score: Any) -> list[Message]:
    """Rate the last resolved handoff; the handoff service thanks the citizen itself."""
    try:
        desk().rate(db, conversation, score)
    except HandoffError as exc:
        db.rollback()
        return [append_message(db, conversation, "system", exc.message)]
    return []


def _rating_score(text: str) -> Any | None:
    """The score of a ``/rate{"score": N}`` payload (validated by the handoff service)."""
    match = _RATE.match(text)
    if match is None:
        return None
    try:
        data = json.loads(match.group(1))
    except ValueError:
        return 0
    return data.get("score", 0) if isinstance(data, dict) else 0


def _payload_title(db: Session, conversation: Conversation, payload: str) -> str:
    """The title of the button that sent ``payload``, looked up in the recent transcript."""
    score = _rating_score(payload)
    if score is not None:
        return f"满意度评价：{score} 分"
    return _button_title(db, conversation, payload) or payload


def _button_title(db: Session, conversation: Conversation, payload: str) -> str | None:
    """The title of a button the bot offered (or a fixed one) with ``payload``; else None."""
    recent = db.scalars(
        select(Message)
        .where(Message.conversation_id == conversation.id, Message.role != "user")
        .order_by(Message.id.desc())
        .limit(20)
    )
    for message in recent:
        for button in (message.payload or {}).get("buttons", []):
            if button.get("payload") == payload:
                return button.get("title") or payload
    return PAYLOAD_TITLES.get(payload)
