"""Storage services: every change to the knowledge base goes through these functions.

Importers, the `kb` commands and the staff console all call them, so revisions,
chunks and the audit trail stay consistent whoever makes the change. Functions
flush but never commit: the caller owns the transaction (one import, one request).
"""

from __future__ import annotations

import difflib
import hashlib
import json
from datetime import date
from enum import StrEnum
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.db import utcnow
from knowledge_base.chunking import (
    ChunkData,
    chunk_document,
    chunk_faq,
    chunk_guide,
    guide_context,
)
from knowledge_base.models import AuditEntry, Chunk, Item, Kind, Status
from knowledge_base.records import CONTENT_FIELDS, ItemData
from knowledge_base.urls import source_url
from knowledge_base.versions import VersionLine

LONG_TEXT = 120  # longer text fields are shown as a line diff in the audit trail
MAX_DIFF_LINES = 80


STATUS_ACTIONS = {Status.PUBLISHED: "publish", Status.RETIRED: "retire",
                  Status.REVIEW: "submit", Status.DRAFT: "reopen"}


class SaveOutcome(StrEnum):
    CREATED = "created"  # a new revision row
    UPDATED = "updated"  # the existing unpublished draft was changed in place
    UNCHANGED = "unchanged"  # same content as the latest revision: nothing done


def store_revision(session: Session, data: ItemData, actor: str) -> tuple[Item, SaveOutcome]:
    """Store content as a draft; returns the revision and what was done.

    Idempotent on external id + content hash. Changed content updates the latest
    revision in place while it is a draft, otherwise starts a new draft revision.
    A source link that is not http(s) raises `knowledge_base.urls.UnsafeUrl`.
    """
    source_url(data.get("url"))
    digest = content_hash(data)
    latest = newest_in_line(session, VersionLine.of_content(data))
    if latest is not None and latest.content_hash == digest:
        return latest, SaveOutcome.UNCHANGED
    if latest is not None and latest.status == Status.DRAFT:
        before = snapshot(latest)
        _apply(latest, data, digest)
        record_audit(session, actor, "update", latest, diff(before, snapshot(latest)))
        return latest, SaveOutcome.UPDATED

    item = Item(external_id=data["external_id"], kind=data["kind"], status=Status.DRAFT,
                version=_next_version(session, data["external_id"]), author=actor,
                supersedes_id=latest.id if latest is not None else None)
    _apply(item, data, digest)
    session.add(item)
    session.flush()
    record_audit(session, actor, "create", item,
                 diff(snapshot(latest) if latest is not None else {}, snapshot(item)))
    return item, SaveOutcome.CREATED


def publish(session: Session, item: Item, actor: str, comment: str | None = None) -> None:
    """Make a revision visible to citizens and retire what it replaces.

    FAQ entries, guides and undated documents have one published revision at a time;
    dated document versions (e.g. a 2019 and a 2023 text) stay published side by
    side for history and `versions.in_force` picks the one in force.
    """
    if item.status == Status.PUBLISHED:
        return
    for older in _line(session, item):
        if older.id != item.id and older.status == Status.PUBLISHED:
            set_status(session, older, Status.RETIRED, actor, f"被第 {item.version} 版取代")
    item.published_at = utcnow()
    set_status(session, item, Status.PUBLISHED, actor, comment)


def retire(session: Session, item: Item, actor: str, comment: str | None = None) -> None:
    """Withdraw a revision: it stays in the history but is never shown again."""
    if item.status != Status.RETIRED:
        set_status(session, item, Status.RETIRED, actor, comment)


def record_audit(session: Session, actor: str, action: str, item: Item,
                 detail: dict[str, Any] | None = None,
                 comment: str | None = None) -> AuditEntry:
    """Append one entry to the audit trail (三审三校: who changed what, when, why)."""
    entry = AuditEntry(actor=actor, action=action, external_id=item.external_id,
                       item_id=item.id, version=item.version, comment=comment,
                       detail=detail or {})
    session.add(entry)
    return entry


def content_hash(data: ItemData) -> str:
    """Fingerprint of the content fields, so unchanged re-imports are recognised."""
    canonical = {name: _jsonable(data.get(name)) for name in CONTENT_FIELDS}
    canonical["alt_questions"] = canonical["alt_questions"] or []
    canonical["tags"] = canonical["tags"] or []
    canonical["fields"] = canonical["fields"] or {}
    encoded = json.dumps(canonical, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(encoded.encode()).hexdigest()


def snapshot(item: Item) -> dict[str, Any]:
    """The content and status of a revision as JSON-ready values (for diffs and exports)."""
    values = {name: _jsonable(getattr(item, name)) for name in CONTENT_FIELDS}
    values["status"] = item.status
    return values


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """Readable before/after of the fields that changed; long texts as a line diff."""
    changes: dict[str, Any] = {}
    for name in sorted(set(before) | set(after)):
        old, new = before.get(name), after.get(name)
        if old == new:
            continue
        if isinstance(old, str) and isinstance(new, str) and max(len(old), len(new)) > LONG_TEXT:
            lines = list(difflib.unified_diff(old.splitlines(), new.splitlines(),
                                              "修改前", "修改后", lineterm="", n=1))
            changes[name] = {"diff": lines[:MAX_DIFF_LINES],
                             "truncated": len(lines) > MAX_DIFF_LINES}
        elif isinstance(new, str) and len(new) > LONG_TEXT and not old:
            changes[name] = {"before": old, "after": new[:LONG_TEXT] + "…"}
        else:
            changes[name] = {"before": old, "after": new}
    return {"changes": changes}


def build_chunks(item: Item) -> list[Chunk]:
    """Chunks of a revision, cut according to its kind."""
    pieces: list[ChunkData]
    if item.kind == Kind.FAQ:
        pieces = chunk_faq(item.question or item.title, item.alt_questions or [], item.body)
    elif item.kind == Kind.GUIDE:
        pieces = chunk_guide(guide_context(item.title, item.issuer), item.body)
    else:
        pieces = chunk_document(item.title, item.body)
    return [Chunk(ordinal=n, **piece) for n, piece in enumerate(pieces)]


def latest_revisions(session: Session, kind: str | None = None) -> list[Item]:
    """The newest revision of every version line (every item, every dated document version)."""
    query = select(Item).order_by(Item.external_id, Item.version)
    if kind:
        query = query.where(Item.kind == kind)
    newest: dict[VersionLine, Item] = {}
    for item in session.scalars(query):
        newest[VersionLine.of_item(item)] = item
    return list(newest.values())


def _apply(item: Item, data: ItemData, digest: str) -> None:
    for name, value in data.items():
        if name in CONTENT_FIELDS:
            setattr(item, name, value)
    item.alt_questions = item.alt_questions or []
    item.tags = item.tags or []
    item.fields = item.fields or {}
    item.content_hash = digest
    item.chunks = build_chunks(item)


def set_status(session: Session, item: Item, status: Status, actor: str,
               comment: str | None = None, action: str | None = None) -> None:
    """Move ``item`` to ``status`` and audit it (``action`` defaults to the status's own)."""
    before = item.status
    item.status = status
    record_audit(session, actor, action or STATUS_ACTIONS[status], item,
                 {"changes": {"status": {"before": before, "after": status.value}}}, comment)


def newest_in_line(session: Session, line: VersionLine) -> Item | None:
    """The newest revision of a version line, if it has any."""
    return session.scalars(line.revisions().order_by(Item.version.desc()).limit(1)).first()


def _line(session: Session, item: Item) -> list[Item]:
    query = VersionLine.of_item(item).revisions()
    return list(session.scalars(query.order_by(Item.version)))


def _next_version(session: Session, external_id: str) -> int:
    current = session.scalar(select(func.max(Item.version)).where(Item.external_id == external_id))
    return (current or 0) + 1


def _jsonable(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return value
