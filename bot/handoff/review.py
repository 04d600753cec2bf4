"""Reviewing handled conversations: search, CSV / JSON Lines export, per-team figures."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from statistics import mean
from typing import Any, TypedDict

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, selectinload

from bot.handoff.departments import list_departments
from bot.handoff.sla import evaluate
from bot.localtime import local_midnight
from bot.models import Conversation, Handoff, HandoffState, Message
from knowledge_base.formats.cells import neutralise_row


@dataclass(frozen=True)
class ReviewFilters:
    """Search criteria; dates are calendar days of the deployment's display zone, inclusive."""

    since: date | None = None
    until: date | None = None
    department: str | None = None
    reason: str | None = None
    rating: int | None = None
    text: str | None = None


def search_query(filters: ReviewFilters) -> Select[Handoff]:
    query = (
        select(Handoff)
        .join(Handoff.conversation)
        .options(selectinload(Handoff.conversation).selectinload(Conversation.messages))
        .order_by(Handoff.created_at.desc(), Handoff.id.desc())
    )
    # Bounds in UTC, as stored: SQLite compares the wall-clock digits and drops the zone.
    if filters.since:
        query = query.where(Handoff.created_at >= local_midnight(filters.since))
    if filters.until:
        query = query.where(Handoff.created_at < local_midnight(filters.until + timedelta(days=1)))
    if filters.department:
        query = query.where(Handoff.department == filters.department)
    if filters.reason:
        query = query.where(Handoff.reason == filters.reason)
    if filters.rating is not None:
        query = query.where(Handoff.rating == filters.rating)
    if filters.text:
        pattern = f"%{filters.text}%"
        has_text = select(Message.id).where(
            Message.conversation_id == Conversation.id, Message.text.like(pattern)
        )
        query = query.where(has_text.exists() | Handoff.last_query.like(pattern))
    return query


def search(db: Session, filters: ReviewFilters, limit: int | None = None) -> list[Handoff]:
    query = search_query(filters)
    return list(db.scalars(query.limit(limit) if limit else query))


def _minutes(start: datetime | None, end: datetime | None) -> float | None:
    if start is None or end is None:
        return None
    return round((end - start).total_seconds() / 60, 1)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


class ExportRecord(TypedDict):
    handoff_id: int
    session_id: str
    channel: str
    department: str | None
    reason: str
    state: str
    created_at: str | None
    claimed_by: str | None
    first_response_at: str | None
    resolved_at: str | None
    escalated_at: str | None
    first_response_minutes: float | None
    resolution_minutes: float | None
    rating: int | None
    last_query: str | None
    transcript: list[dict[str, Any]]


def export_record(handoff: Handoff) -> ExportRecord:
    """One handoff with its full transcript (internal notes included: this is for staff)."""
    return ExportRecord(
        handoff_id=handoff.id,
        session_id=handoff.conversation.session_id,
        channel=handoff.conversation.channel,
        department=handoff.department,
        reason=handoff.reason,
        state=handoff.state,
        created_at=_iso(handoff.created_at),
        claimed_by=handoff.claimed_by,
        first_response_at=_iso(handoff.first_response_at),
        resolved_at=_iso(handoff.resolved_at),
        escalated_at=_iso(handoff.escalated_at),
        first_response_minutes=_minutes(handoff.created_at, handoff.first_response_at),
        resolution_minutes=_minutes(handoff.created_at, handoff.resolved_at),
        rating=handoff.rating,
        last_query=handoff.last_query,
        transcript=[
            {
                "id": m.id,
                "role": m.role,
                "text": m.text,
                "author": m.author,
                "decision": m.decision,
                "confidence": m.confidence,
                "citations": (m.payload or {}).get("citations", []),
                "created_at": _iso(m.created_at),
            }
            for m in handoff.conversation.messages
        ],
    )


def export_jsonl(handoffs: Iterable[Handoff]) -> Iterator[str]:
    for handoff in handoffs:
        yield json.dumps(export_record(handoff), ensure_ascii=False) + "\n"


CSV_COLUMNS = [
    "handoff_id", "session_id", "channel", "department", "reason", "state", "created_at",
    "claimed_by", "first_response_at", "resolved_at", "escalated_at", "first_response_minutes",
    "resolution_minutes", "rating", "last_query", "transcript",
]  # fmt: skip


def export_csv(handoffs: Iterable[Handoff]) -> Iterator[str]:
    """One row per handoff; the transcript column holds ``role: text`` lines."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS)
    yield "\ufeff"  # so spreadsheet programs read the Chinese text as UTF-8
    writer.writeheader()
    for handoff in handoffs:
        record: dict[str, Any] = dict(export_record(handoff))
        record["transcript"] = "\n".join(
            f"{line['role']}: {line['text']}" for line in record["transcript"]
        )
        writer.writerow(neutralise_row(record))
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()


class Figures(TypedDict):
    key: str
    label: str
    handled: int
    resolved: int
    avg_first_response_minutes: float | None
    avg_resolution_minutes: float | None
    sla_met_percent: float | None
    avg_rating: float | None
    ratings: int


def _figures(key: str, label: str, handoffs: list[Handoff], departments: dict) -> Figures:
    first = [_minutes(h.created_at, h.first_response_at) for h in handoffs]
    resolution = [_minutes(h.created_at, h.resolved_at) for h in handoffs]
    resolved = [h for h in handoffs if h.state == HandoffState.RESOLVED]
    met = [
        not evaluate(h, departments.get(h.department), h.resolved_at)["overdue"]
        for h in resolved
        if h.resolved_at is not None  # always set on a resolved handoff
    ]
    ratings = [h.rating for h in handoffs if h.rating is not None]

    def avg(values: list[Any]) -> float | None:
        present = [v for v in values if v is not None]
        return round(mean(present), 1) if present else None

    return Figures(
        key=key,
        label=label,
        handled=len(handoffs),
        resolved=len(resolved),
        avg_first_response_minutes=avg(first),
        avg_resolution_minutes=avg(resolution),
        sla_met_percent=round(100 * sum(met) / len(met), 1) if met else None,
        avg_rating=avg(ratings),
        ratings=len(ratings),
    )


def figures(db: Session, handoffs: list[Handoff]) -> dict[str, list[Figures]]:
    """Per-operator and per-department figures over ``handoffs`` (a search result)."""
    departments = {d.code: d for d in list_departments(db)}
    by_operator: dict[str, list[Handoff]] = {}
    by_department: dict[str, list[Handoff]] = {}
    for h in handoffs:
        if h.claimed_by:
            by_operator.setdefault(h.claimed_by, []).append(h)
        by_department.setdefault(h.department or "", []).append(h)
    return {
        "operators": [
            _figures(name, name, group, departments) for name, group in sorted(by_operator.items())
        ],
        "departments": [
            _figures(
                code,
                departments[code].name if code in departments else "未分配",
                group,
                departments,
            )
            for code, group in sorted(by_department.items())
        ],
    }
