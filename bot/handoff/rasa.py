"""Tell Rasa that the bot may talk again once an operator resolved a conversation.

Resolving never waits for Rasa: the request goes through an outbox (``PendingResume``),
sent right after the resolve commits and retried by ``handoffs watch`` / ``check-sla``
until Rasa accepts it.
"""

from __future__ import annotations

import requests
from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models import PendingResume
from bot.redaction import redact

RESUME_TIMEOUT_SECONDS = 3.0


def send_resume(session_id: str) -> None:
    """POST a ``resume`` event to the conversation's Rasa tracker; raises on failure."""
    config = current_app.config
    response = requests.post(
        f"{config['RASA_URL'].rstrip('/')}/conversations/{session_id}/tracker/events",
        params={"token": config["RASA_TOKEN"]},
        json={"event": "resume"},
        timeout=min(RESUME_TIMEOUT_SECONDS, config["HTTP_TIMEOUT"]),
    )
    response.raise_for_status()


def flush_resumes(db: Session, session_id: str | None = None) -> int:
    """Send pending resumes (of one session, or all); returns how many Rasa accepted."""
    query = select(PendingResume).order_by(PendingResume.id)
    if session_id is not None:
        query = query.where(PendingResume.session_id == session_id)
    sent = 0
    for pending in db.scalars(query).all():
        try:
            send_resume(pending.session_id)
        except requests.RequestException as exc:
            pending.attempts += 1
            pending.last_error = redact(str(exc))[:500]
            current_app.logger.warning(
                "Rasa resume of %s failed (attempt %d): %s",
                pending.session_id,
                pending.attempts,
                exc,
            )
        else:
            db.delete(pending)
            sent += 1
    db.commit()
    return sent
