"""Bulk import of FAQ entries and service guides with a preview before anything changes.

The preview parses every row on its own, so one bad row is reported with its number and
reason instead of stopping the file, and tells for each good row whether importing it
creates an item, updates one (as a new draft) or changes nothing. Confirming imports
the good rows as drafts, which go through review like any edit.
"""

from __future__ import annotations

from pathlib import Path
from typing import TypedDict

from sqlalchemy.orm import Session

from core.organisation import names, spellings
from knowledge_base import store, workflow
from knowledge_base.importer import read_rows
from knowledge_base.records import ItemData
from knowledge_base.workflow import WorkflowError


class RowOutcome(TypedDict):
    row: int
    external_id: str
    title: str
    action: str  # "created", "updated", "unchanged" or "error"
    message: str


class ImportPreview(TypedDict):
    rows: list[RowOutcome]
    counts: dict[str, int]


def _error(row: int, message: str, external_id: str = "", title: str = "") -> RowOutcome:
    return RowOutcome(row=row, external_id=external_id, title=title, action="error",
                      message=message)


def _parsed(session: Session, path: Path,
            kind: str) -> tuple[list[tuple[int, ItemData]], list[RowOutcome]]:
    """Every row as item content or as an error, by the knowledge base's row rule; a file
    that cannot be read at all raises."""
    rows = read_rows(path, kind, spellings(names(session)), shown_as=Path(path.name))
    errors = [_error(e.row, e.message, e.external_id, e.title) for e in rows.errors]
    return rows.items, errors


def preview(session: Session, path: Path, kind: str) -> ImportPreview:
    """What importing ``path`` would do, row by row, without changing anything."""
    items, outcomes = _parsed(session, path, kind)
    for number, data in items:
        latest = workflow.latest_for(session, data)
        try:
            workflow.check_editable(latest)
        except WorkflowError as exc:
            outcomes.append(_error(number, str(exc), data["external_id"], data["title"]))
            continue
        if latest is None:
            action, message = "created", "新建"
        elif latest.content_hash == store.content_hash(data):
            action, message = "unchanged", "内容未变化"
        else:
            action, message = "updated", f"更新（在第 {latest.version} 版基础上生成草稿）"
        outcomes.append(RowOutcome(row=number, external_id=data["external_id"],
                                   title=data["title"], action=action, message=message))
    outcomes.sort(key=lambda outcome: outcome["row"])
    counts = {name: 0 for name in ("created", "updated", "unchanged", "error")}
    for outcome in outcomes:
        counts[outcome["action"]] += 1
    return ImportPreview(rows=outcomes, counts=counts)


def apply(session: Session, path: Path, kind: str, actor: str) -> int:
    """Import the good rows of a previewed file as drafts; returns how many changed."""
    items, _ = _parsed(session, path, kind)
    changed = 0
    for _number, data in items:
        latest = workflow.latest_for(session, data)
        try:
            workflow.check_editable(latest)
        except WorkflowError:
            continue
        if latest is None or latest.content_hash != store.content_hash(data):
            workflow.save_draft(session, data, actor)
            changed += 1
    return changed
