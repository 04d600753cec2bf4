"""What the operator queue shows: open and recently resolved handoffs with their timings.

Urgent work is never hidden behind a department tab: safety cases and overdue ones are
listed first for every operator whatever the tab, and every tab shows how many wait.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypedDict, cast

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from bot.handoff.departments import list_departments
from bot.handoff.routing import PRIORITIES, REASON_LABELS
from bot.handoff.sla import SlaStatus, evaluate
from bot.models import Handoff, HandoffState
from core.db import as_utc
from wire.handoff import HandoffReason

RESOLVED_SHOWN_FOR = timedelta(hours=24)
SAFETY_PRIORITY = PRIORITIES["safety"]


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


def queue_rows(db: Session, now: datetime) -> list[QueueRow]:
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
    order: dict[str, int] = {HandoffState.WAITING: 0, HandoffState.ACTIVE: 1, HandoffState.RESOLVED: 2}
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
                reason_label=REASON_LABELS.get(cast(HandoffReason, h.reason), h.reason),
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


def is_urgent(row: QueueRow) -> bool:
    """Open and either a danger to someone's safety or past its response-time limit."""
    if row["state"] == HandoffState.RESOLVED:
        return False
    return row["priority"] >= SAFETY_PRIORITY or row["sla"]["overdue"]


@dataclass(frozen=True)
class Elsewhere:
    code: str
    name: str
    waiting: int


@dataclass(frozen=True)
class QueueOverview:
    """One operator's view: the urgent rows of every department, then the tab's rows."""

    scope: str  # a department code or "all"
    urgent: list[QueueRow]
    rows: list[QueueRow]  # the tab's rows, urgent ones excluded (they are listed above)
    waiting: dict[str, int]  # waiting handoffs per department code, and "all"
    elsewhere: list[Elsewhere]  # departments other than the tab with someone waiting

    @property
    def waiting_elsewhere(self) -> int:
        return sum(e.waiting for e in self.elsewhere)


def queue_overview(db: Session, now: datetime, scope: str) -> QueueOverview:
    """The queue as ``scope``'s tab shows it; counts and urgent rows span every department."""
    rows = queue_rows(db, now)
    urgent = [r for r in rows if is_urgent(r)]
    urgent_ids = {r["handoff_id"] for r in urgent}
    waiting: dict[str, int] = {"all": 0}
    for row in rows:
        if row["state"] == HandoffState.WAITING:
            waiting["all"] += 1
            key = row["department"] or ""
            waiting[key] = waiting.get(key, 0) + 1
    names = {r["department"] or "": r["department_name"] for r in rows}
    elsewhere = [
        Elsewhere(code=code, name=names[code], waiting=count)
        for code, count in waiting.items()
        if code not in ("all", scope) and scope != "all"
    ]
    return QueueOverview(
        scope=scope,
        urgent=urgent,
        rows=[
            r
            for r in rows
            if r["handoff_id"] not in urgent_ids and scope in ("all", r["department"])
        ],
        waiting=waiting,
        elsewhere=sorted(elsewhere, key=lambda e: -e.waiting),
    )
