"""The review workflow (三审三校): nothing reaches citizens without a second person's approval.

    draft ──submit──► review ──approve──► published ──retire──► retired
      ▲                 │
      └─────reject──────┘

Every change is a draft revision (``knowledge_base.store`` keeps revisions, chunks and
the audit trail); its author submits it; a reviewer who did not write it approves
(which publishes) or rejects it with a comment. Rolling back copies an earlier
revision into a new draft that goes through review like any other change. No setting
skips review: an item's department is a field its editor writes, so a department-level
exemption would let any editor publish alone (issue 14).

Functions flush but never commit; forbidden transitions raise ``WorkflowError``.
"""

from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from core.db import utcnow
from knowledge_base import store
from knowledge_base.models import AuditEntry, Item, Kind, Status
from knowledge_base.records import CONTENT_FIELDS, ItemData

STATUS_LABELS: dict[str, str] = {
    Status.DRAFT: "草稿",
    Status.REVIEW: "待审核",
    Status.PUBLISHED: "已发布",
    Status.RETIRED: "已停用",
}


class WorkflowError(ValueError):
    """A transition the workflow forbids; the message is shown to staff as is."""


def latest_in_line(session: Session, item: Item) -> Item:
    """The newest revision of the version line of ``item`` (itself when it is the newest)."""
    return session.scalars(_newest_first(item.external_id, item.kind, item.version_label)).one()


def save_draft(session: Session, data: ItemData, actor: str) -> Item:
    """Create or change the draft of an item; its published revision stays live meanwhile."""
    check_editable(latest_for(session, data))
    item, _ = store.store_revision(session, data, actor)
    return item


def check_editable(latest: Item | None) -> None:
    """Refuse edits of an item under review or withdrawn (restore those by rolling back)."""
    if latest is not None and latest.status == Status.REVIEW:
        raise WorkflowError("该条目有修改正在审核中，请等待审核结果后再编辑。")
    if latest is not None and latest.status == Status.RETIRED:
        raise WorkflowError("该条目已停用，不能直接编辑；如需恢复，请回滚到某个历史版本。")


def submit(session: Session, item: Item, actor: str) -> Item:
    """Send a draft to review; it is published only by another person's approval."""
    if item.status != Status.DRAFT:
        raise WorkflowError(f"只有草稿可以提交审核，当前状态为「{STATUS_LABELS[item.status]}」。")
    if item.id != latest_in_line(session, item).id:
        raise WorkflowError("该草稿已有更新的版本，请提交最新版本。")
    item.submitted_at = utcnow()
    _move(session, item, Status.REVIEW, actor, "submit")
    return item


def approve(session: Session, item: Item, actor: str, comment: str | None = None) -> Item:
    """A second person's approval publishes the revision (and retires what it replaces)."""
    _check_reviewable(session, item, actor)
    item.reviewer = actor
    item.review_comment = comment or None
    store.record_audit(session, actor, "approve", item, comment=comment or None)
    store.publish(session, item, actor, comment or None)
    return item


def reject(session: Session, item: Item, actor: str, comment: str) -> Item:
    """Send a revision back to its author as a draft; the reason is required."""
    if not comment.strip():
        raise WorkflowError("退回修改时必须填写审核意见。")
    _check_reviewable(session, item, actor)
    item.reviewer = actor
    item.review_comment = comment.strip()
    _move(session, item, Status.DRAFT, actor, "reject", comment.strip())
    return item


def withdraw(session: Session, item: Item, actor: str) -> Item:
    """Take a submission back from review to go on editing it (its authors only)."""
    if item.status != Status.REVIEW:
        raise WorkflowError(f"只有待审核的修改可以撤回，当前状态为「{STATUS_LABELS[item.status]}」。")
    if actor not in authors_of(session, item):
        raise WorkflowError("只有编写这项修改的人可以撤回它。")
    item.submitted_at = None
    _move(session, item, Status.DRAFT, actor, "withdraw")
    return item


def delete_draft(session: Session, item: Item, actor: str) -> Item | None:
    """Delete a draft revision made by mistake; the audit trail keeps its content.

    Returns the revision the line falls back to (None when the item had no other one).
    Published, retired and submitted revisions are never deleted.
    """
    if item.status != Status.DRAFT:
        raise WorkflowError(
            f"只能删除草稿，当前状态为「{STATUS_LABELS[item.status]}」；已发布的内容请使用停用。"
        )
    if item.id != latest_in_line(session, item).id:
        raise WorkflowError("只能删除最新的草稿版本。")
    store.record_audit(session, actor, "delete", item, {"deleted": store.snapshot(item)})
    session.delete(item)
    session.flush()
    return session.scalars(_newest_first(item.external_id, item.kind, item.version_label)).first()


def retire(session: Session, item: Item, actor: str, comment: str | None = None) -> Item:
    """Withdraw a published revision from citizens; it stays in the history."""
    if item.status != Status.PUBLISHED:
        raise WorkflowError(f"只有已发布的内容可以停用，当前状态为「{STATUS_LABELS[item.status]}」。")
    store.retire(session, item, actor, comment or None)
    return item


def roll_back(session: Session, revision: Item, actor: str) -> Item:
    """Start a new draft with the content of an earlier revision; it needs review as usual."""
    latest = latest_in_line(session, revision)
    if latest.status == Status.REVIEW:
        raise WorkflowError("该条目有修改正在审核中，请等待审核结果后再回滚。")
    if latest.id == revision.id:
        raise WorkflowError("这已经是最新版本，只能回滚到更早的版本。")
    data = content_of(revision)
    if store.content_hash(data) == latest.content_hash:
        raise WorkflowError("最新版本的内容与所选版本相同，无需回滚。")
    draft, _ = store.store_revision(session, data, actor)
    store.record_audit(session, actor, "rollback", draft, {"restored_version": revision.version},
                       f"回滚到第 {revision.version} 版的内容")
    return draft


def content_of(item: Item) -> ItemData:
    """The content fields of a revision, ready to save as another revision."""
    return ItemData(**{name: getattr(item, name) for name in CONTENT_FIELDS})  # type: ignore[typeddict-item]


def authors_of(session: Session, item: Item) -> set[str]:
    """Everyone who wrote this revision: its creator and whoever edited the draft since."""
    actors = session.scalars(
        select(AuditEntry.actor).where(
            AuditEntry.item_id == item.id, AuditEntry.action.in_(("create", "update", "rollback"))
        )
    )
    return {name for name in [item.author, *actors] if name}


def _newest_first(external_id: str, kind: str, version_label: str | None) -> Select[Item]:
    """Revisions that replace each other, newest first: one external id, and for dated
    documents one version label (the rule of ``knowledge_base.store``)."""
    query = select(Item).where(Item.external_id == external_id)
    if kind == Kind.DOCUMENT:
        query = query.where(
            Item.version_label.is_(None) if version_label is None
            else Item.version_label == version_label
        )
    return query.order_by(Item.version.desc()).limit(1)


def latest_for(session: Session, data: ItemData) -> Item | None:
    """The newest revision that content ``data`` would replace, if any."""
    query = _newest_first(data["external_id"], data["kind"], data.get("version_label"))
    return session.scalars(query).first()


def _move(session: Session, item: Item, status: Status, actor: str, action: str,
          comment: str | None = None) -> None:
    before = item.status
    item.status = status
    store.record_audit(session, actor, action, item,
                       {"changes": {"status": {"before": before, "after": status.value}}}, comment)


def _check_reviewable(session: Session, item: Item, actor: str) -> None:
    if item.status != Status.REVIEW:
        raise WorkflowError(
            f"只有待审核的内容可以审核，当前状态为「{STATUS_LABELS[item.status]}」；请先提交审核。"
        )
    if actor in authors_of(session, item):
        raise WorkflowError("不能审核自己编写的修改，请由另一位审核员审核。")

