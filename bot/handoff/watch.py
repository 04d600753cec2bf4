"""Periodic duties of the handoff desk: escalate overdue conversations (督办) and retry
Rasa resumes. Run by ``flask handoffs check-sla`` (once) or ``flask handoffs watch`` (a
loop the app supervisor starts); never started by the app factory itself.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.handoff.service import (
    OPEN_STATES,
    HandoffDesk,
    department_named,
    handoff_event,
    record,
)
from bot.handoff.sla import evaluate
from bot.models import Handoff
from core.db import as_utc, session_scope
from knowledge_base.models import AuditEntry

log = logging.getLogger(__name__)


def escalate_overdue(desk: HandoffDesk, db: Session, now: datetime) -> list[Handoff]:
    """Flag every open, overdue, not yet escalated handoff; returns the newly escalated."""
    now = as_utc(now)
    candidates = db.scalars(
        select(Handoff)
        .where(Handoff.state.in_(OPEN_STATES), Handoff.escalated_at.is_(None))
        .order_by(Handoff.id)
    ).all()
    escalated = []
    for handoff in candidates:
        status = evaluate(handoff, department_named(db, handoff.department), now)
        if not status["overdue"]:
            continue
        kind = "首次响应超时" if status["first_response_overdue"] else "办结超时"
        handoff.escalated_at = now
        record(db, handoff, "system", "escalated", now, kind=kind)
        db.add(
            AuditEntry(
                at=now,
                actor="system",
                action="handoff_escalated",
                comment=f"转人工 #{handoff.id}（{handoff.department or '未分配'}）{kind}，已督办",
                detail={"handoff_id": handoff.id, "session_id": handoff.conversation.session_id},
            )
        )
        escalated.append(handoff)
    db.commit()
    for handoff in escalated:  # the queue page only: the citizen's page has nothing new
        desk.events.publish("queue", handoff_event(handoff, "escalated"))
    return escalated


def run_once(
    desk: HandoffDesk, sessions: sessionmaker[Session], now: datetime | None = None
) -> tuple[int, int]:
    """One pass: returns (escalated, resumes sent)."""
    with session_scope(sessions) as db:
        escalated = escalate_overdue(desk, db, now or desk.clock())
    return len(escalated), desk.resumes.flush()


def run_forever(
    desk: HandoffDesk,
    sessions: sessionmaker[Session],
    interval: float = 60.0,
    stop: threading.Event | None = None,
) -> None:
    """Repeat ``run_once`` every ``interval`` seconds until ``stop`` is set."""
    stop = stop or threading.Event()
    while not stop.is_set():
        try:
            run_once(desk, sessions)
        except Exception:  # noqa: BLE001 - one failed pass must not end the loop
            log.exception("handoff watch pass failed")
        stop.wait(interval)
