"""Which department answers a handed-off question, and how urgent it is."""

from __future__ import annotations

from collections.abc import Sequence
from typing import get_args

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.organisation import FALLBACK, Department, best_match
from wire.handoff import HandoffReason

# The one list is the wire contract the action server also types its requests with.
REASONS: tuple[str, ...] = get_args(HandoffReason)
REASON_LABELS: dict[HandoffReason, str] = {
    "low_confidence": "置信度低",
    "user_request": "用户要求",
    "complaint": "投诉",
    "unhelpful": "回答无帮助",
    "safety": "安全风险",
}
# Safety first, then complaints; everything else in arrival order.
PRIORITIES = {"safety": 2, "complaint": 1}


def priority_for(reason: str) -> int:
    return PRIORITIES.get(reason, 0)


def route(db: Session, texts: Sequence[str]) -> str | None:
    """The code of the department whose keywords best match ``texts`` (latest first).

    The latest question decides when it names a topic; older turns break ties and
    cover follow-ups such as "那需要带什么材料？". Falls back to 综合 (``zonghe``).
    """
    departments = db.scalars(select(Department).order_by(Department.id)).all()
    for text in texts:
        best = best_match(text, departments)
        if best:
            return best
    if any(d.code == FALLBACK for d in departments):
        return FALLBACK
    return departments[0].code if departments else None
