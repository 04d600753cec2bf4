"""What the operator queue shows: open and recently resolved handoffs with their timings."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TypedDict

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from bot.handoff.departments import list_departments
from bot.handoff.routing import REASON_LABELS
from bot.handoff.sla import SlaStatus, as_utc, evaluate
from bot.models import Handoff, HandoffState

RESOLVED_SHOWN_FOR = timedelta(hours=24)


class QueueRow(TypedDict):
    handoff_id: int
    session_id: str
    state: str
    reason: str
    reason_label: str
    priority: int
    department: str | None
    department_name: str
    channel: str
    last_query: str
    claimed_by: str | None
    created_at: datetime
    waiting_seconds: int
    escalated: bool
    sla: SlaStatus


def queue_rows(db: Session, now: datetime, department: str | None = None) -> list[QueueRow]:
    """Waiting (most urgent first), active, then resolved in the last 24 hours."""
    departments = {d.code: d for d in list_departments(db)}
    query = (
        select(Handoff)
        .options(joinedload(Handoff.conversation))
        .where(
            (Handoff.state != HandoffState.RESOLVED)
            | (Handoff.resolved_at >= now - RESOLVED_SHOWN_FOR)
        )
    )
    if department:
        query = query.where(Handoff.department == department)
    order = {HandoffState.WAITING: 0, HandoffState.ACTIVE: 1, HandoffState.RESOLVED: 2}
    handoffs = sorted(
        db.scalars(query).all(),
        key=lambda h: (order.get(h.state, 3), -h.priority, as_utc(h.created_at)),
    )
    rows = []
    for h in handoffs:
        dept = departments.get(h.department or "")
        end = h.claimed_at or h.resolved_at
        waited = (as_utc(end) if end else now) - as_utc(h.created_at)
        rows.append(
            QueueRow(
                handoff_id=h.id,
                session_id=h.conversation.session_id,
                state=h.state,
                reason=h.reason,
                reason_label=REASON_LABELS.get(h.reason, h.reason),
                priority=h.priority,
                department=h.department,
                department_name=dept.name if dept else "未分配",
                channel=h.conversation.channel,
                last_query=h.last_query or "",
                claimed_by=h.claimed_by,
                created_at=as_utc(h.created_at),
                waiting_seconds=max(0, int(waited.total_seconds())),
                escalated=h.escalated_at is not None,
                sla=evaluate(h, dept, now),
            )
        )
    return rows
