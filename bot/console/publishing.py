"""Keeping the live search index in step with what reviewers publish, without downtime.

After a publish or retirement is committed, the retrieval service rebuilds in the
background while the old index keeps answering. The generation that was live when the
rebuild was requested is written to the audit trail; the change is live once the
service reports a newer generation.
"""

from __future__ import annotations

from typing import TypedDict

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from knowledge_base import store
from knowledge_base.models import AuditEntry, Item, Status
from knowledge_base.versions import force_label

REINDEX = "reindex"


class IndexState(TypedDict):
    live: bool
    label: str


def request_reindex(db: Session, item: Item, actor: str) -> None:
    """Start a background rebuild for a committed change of ``item``; records and commits."""
    generation = current_app.extensions["wenzheng.retrieval"].rebuild()
    store.record_audit(db, actor, REINDEX, item, {"after_generation": generation})
    db.commit()


def index_state(db: Session, item: Item) -> IndexState | None:
    """Whether the live index reflects this revision's publication or retirement."""
    if item.status not in (Status.PUBLISHED, Status.RETIRED):
        return None
    if item.status == Status.PUBLISHED and (pending := force_label(item)):
        return IndexState(live=False, label=f"{pending}，在此之前不会被检索")
    status = current_app.extensions["wenzheng.retrieval"].status()
    requested = db.scalar(
        select(AuditEntry.detail)
        .where(AuditEntry.item_id == item.id, AuditEntry.action == REINDEX)
        .order_by(AuditEntry.id.desc())
        .limit(1)
    )
    if requested is not None:
        live = status["generation"] > int(requested.get("after_generation", 0))
    else:  # published outside the console (e.g. `kb import --publish`)
        built_at = status.get("built_at")
        changed = item.published_at or item.updated_at
        live = bool(built_at) and changed is not None and changed.timestamp() <= built_at
    if live:
        return IndexState(live=True, label=f"已进入线上索引（第 {status['generation']} 代）")
    return IndexState(live=False, label="线上索引更新中，稍后刷新查看")

