"""Bulk import of FAQ entries and service guides with a preview before anything changes.

The preview parses every row on its own, so one bad row is reported with its number and
reason instead of stopping the file, and tells for each good row whether importing it
creates an item, updates one (as a new draft) or changes nothing. Confirming imports
the good rows as drafts, which go through review like any edit.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, TypedDict

from sqlalchemy.orm import Session

from core.organisation import names, spellings
from knowledge_base import store, workflow
from knowledge_base.formats.faq import faq_item
from knowledge_base.formats.files import Row, read_csv, read_text, read_xlsx
from knowledge_base.formats.guides import guide_item
from knowledge_base.records import BadImportFile, ItemData
from knowledge_base.text import one_line
from knowledge_base.workflow import WorkflowError

# What each kind can be imported from.
IMPORT_FORMATS: dict[str, tuple[str, ...]] = {"faq": (".jsonl", ".csv", ".xlsx"), "guide": (".jsonl",)}


class RowOutcome(TypedDict):
    row: int
    external_id: str
    title: str
    action: str  # "created", "updated", "unchanged" or "error"
    message: str


class ImportPreview(TypedDict):
    rows: list[RowOutcome]
    counts: dict[str, int]


def _jsonl_rows(path: Path) -> tuple[list[Row], list[RowOutcome]]:
    """Objects of a JSON Lines file; a malformed line is that row's error, not the file's."""
    rows: list[Row] = []
    errors: list[RowOutcome] = []
    for number, line in enumerate(read_text(path).split("\n"), start=1):
        if not line.strip():
            continue
        try:
            value: Any = json.loads(line)
        except json.JSONDecodeError as exc:
            errors.append(_error(number, f"不是合法的 JSON（{exc.msg}）"))
            continue
        if isinstance(value, dict):
            rows.append((number, value))
        else:
            errors.append(_error(number, "每行应为一个 JSON 对象"))
    return rows, errors


def _error(row: int, message: str, external_id: str = "", title: str = "") -> RowOutcome:
    return RowOutcome(row=row, external_id=external_id, title=title, action="error",
                      message=message)


def _parsed(session: Session, path: Path,
            kind: str) -> tuple[list[tuple[int, ItemData]], list[RowOutcome]]:
    """Every row as item content or as an error (showing the row's question or name, so
    staff find it); a file that cannot be read at all raises."""
    suffix = path.suffix.lower()
    if suffix not in IMPORT_FORMATS[kind]:
        raise BadImportFile(path.name, f"该类型只能从 {'、'.join(IMPORT_FORMATS[kind])} 文件导入")
    if suffix == ".jsonl":
        rows, errors = _jsonl_rows(path)
    else:
        rows, errors = (read_csv if suffix == ".csv" else read_xlsx)(path), []
    departments = spellings(names(session))
    items: list[tuple[int, ItemData]] = []
    first_row: dict[str, int] = {}
    for number, record in rows:
        try:
            if kind == "faq":
                data = faq_item(record, Path(path.name), number, departments)
            else:
                data = guide_item(record, Path(path.name), number)
        except BadImportFile as exc:
            title = one_line(str(record.get("question") or record.get("TASK_NAME") or ""))
            errors.append(_error(number, str(exc).split("：", 1)[-1], title=title))
            continue
        earlier = first_row.setdefault(data["external_id"], number)
        if earlier != number:
            errors.append(_error(number, f"与第 {earlier} 行重复（{data['external_id']}）",
                                 data["external_id"], data["title"]))
            continue
        items.append((number, data))
    return items, errors


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
