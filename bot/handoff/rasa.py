"""Tell Rasa that the bot may talk again once an operator resolved a conversation.

Resolving never waits for Rasa: the request is a job of the one outbox (``core.outbox``,
rows of ``pending_resumes``) written with the resolve, sent right after its commit and,
while Rasa refuses, retried with a growing backoff by ``handoffs watch`` / ``check-sla``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import requests
from sqlalchemy.orm import Session

from bot.models import PendingResume
from bot.redaction import redact
from core.outbox import Outbox, backoff

log = logging.getLogger(__name__)

RESUME_TIMEOUT_SECONDS = 3.0


@dataclass
class RasaResumes:
    """The Rasa ``resume`` outbox: where Rasa listens and how its jobs are kept."""

    outbox: Outbox
    rasa_url: str
    rasa_token: str
    timeout: float

    def queue(self, db: Session, session_id: str, handoff_id: int) -> None:
        """Add the resume job to the caller's unit of work (sent after its commit)."""
        db.add(PendingResume(session_id=session_id, handoff_id=handoff_id))

    def send(self, session_id: str) -> None:
        """POST a ``resume`` event to the conversation's Rasa tracker; raises on failure."""
        response = requests.post(
            f"{self.rasa_url.rstrip('/')}/conversations/{session_id}/tracker/events",
            params={"token": self.rasa_token},
            json={"event": "resume"},
            timeout=min(RESUME_TIMEOUT_SECONDS, self.timeout),
        )
        response.raise_for_status()

    def flush(self, session_id: str | None = None) -> int:
        """Send the due resumes (of one session, or all); returns how many Rasa accepted."""
        where = [] if session_id is None else [PendingResume.session_id == session_id]
        sent = 0
        while (job_id := self.outbox.claim_next(PendingResume, *where)) is not None:
            with self.outbox.sessions() as db:
                job = db.get(PendingResume, job_id)
                assert job is not None
                target, attempts = job.session_id, job.attempts
            try:
                self.send(target)
            except requests.RequestException as exc:
                log.warning("Rasa resume of %s failed (attempt %d): %s", target, attempts, exc)
                self.outbox.fail(
                    PendingResume, job_id, redact(str(exc))[:500], retry_after=backoff(attempts)
                )
            else:
                self.outbox.done(PendingResume, job_id)
                sent += 1
        return sent
