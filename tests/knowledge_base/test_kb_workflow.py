"""The review workflow on SQLite and PostgreSQL: allowed and forbidden transitions, audit."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from knowledge_base import workflow
from knowledge_base.models import AuditEntry, Item, Kind, Status
from knowledge_base.records import ItemData
from knowledge_base.versions import in_force
from knowledge_base.workflow import WorkflowError


def faq(answer: str = "按月缴存，缴存比例为5%至12%。", **extra) -> ItemData:
    data = ItemData(external_id="faq-gjj-rate", kind=Kind.FAQ, title="公积金缴存比例",
                    question="住房公积金的缴存比例是多少？", alt_questions=["公积金交多少"],
                    body=answer, department="公积金", tags=["公积金"])
    data.update(extra)  # type: ignore[typeddict-item]
    return data


def live_answers(db: Session) -> list[str]:
    return [item.body for item in in_force(db)]


def actions_of(db: Session, item: Item) -> list[tuple[str, str]]:
    entries = db.scalars(select(AuditEntry).where(AuditEntry.external_id == item.external_id)
                         .order_by(AuditEntry.id))
    return [(entry.actor, entry.action) for entry in entries]


def published(db: Session) -> Item:
    """A FAQ written by 'editor' and approved by 'reviewer'."""
    item = workflow.save_draft(db, faq(), "editor")
    workflow.submit(db, item, "editor")
    workflow.approve(db, item, "reviewer", "核对无误")
    db.commit()
    return item


def test_draft_reaches_citizens_only_after_a_second_persons_approval(db):
    item = workflow.save_draft(db, faq(), "editor")
    assert item.status == Status.DRAFT and live_answers(db) == []
    workflow.submit(db, item, "editor")
    assert item.status == Status.REVIEW and live_answers(db) == []
    workflow.approve(db, item, "reviewer", "核对无误")
    db.commit()
    assert item.status == Status.PUBLISHED and item.reviewer == "reviewer"
    assert live_answers(db) == ["按月缴存，缴存比例为5%至12%。"]
    assert actions_of(db, item) == [("editor", "create"), ("editor", "submit"),
                                    ("reviewer", "approve"), ("reviewer", "publish")]


def test_author_cannot_approve_their_own_change(db):
    item = workflow.save_draft(db, faq(), "editor")
    workflow.submit(db, item, "editor")
    with pytest.raises(WorkflowError, match="不能审核自己"):
        workflow.approve(db, item, "editor")
    assert item.status == Status.REVIEW


def test_someone_who_edited_the_draft_is_an_author_too(db):
    item = workflow.save_draft(db, faq(), "editor")
    workflow.save_draft(db, faq("修改后的答案：5%至12%。"), "second-editor")
    workflow.submit(db, item, "editor")
    with pytest.raises(WorkflowError, match="不能审核自己"):
        workflow.approve(db, item, "second-editor")


def test_a_draft_that_was_not_submitted_cannot_be_approved(db):
    item = workflow.save_draft(db, faq(), "editor")
    with pytest.raises(WorkflowError, match="请先提交审核"):
        workflow.approve(db, item, "reviewer")
    assert live_answers(db) == []


def test_rejection_needs_a_reason_and_returns_the_draft_to_its_author(db):
    item = workflow.save_draft(db, faq(), "editor")
    workflow.submit(db, item, "editor")
    with pytest.raises(WorkflowError, match="审核意见"):
        workflow.reject(db, item, "reviewer", "  ")
    workflow.reject(db, item, "reviewer", "比例请注明适用地区")
    assert item.status == Status.DRAFT and item.review_comment == "比例请注明适用地区"
    entry = db.scalars(select(AuditEntry).where(AuditEntry.action == "reject")).one()
    assert entry.comment == "比例请注明适用地区"


def test_editing_while_in_review_and_submitting_twice_are_refused(db):
    item = workflow.save_draft(db, faq(), "editor")
    workflow.submit(db, item, "editor")
    with pytest.raises(WorkflowError, match="正在审核中"):
        workflow.save_draft(db, faq("别的答案"), "editor")
    with pytest.raises(WorkflowError, match="只有草稿可以提交"):
        workflow.submit(db, item, "editor")


def test_editing_a_published_item_keeps_it_live_until_the_change_is_approved(db):
    first = published(db)
    draft = workflow.save_draft(db, faq("新的答案：5%至12%，单位和个人同比例。"), "editor")
    assert draft.id != first.id and draft.version == 2
    assert live_answers(db) == ["按月缴存，缴存比例为5%至12%。"]
    workflow.submit(db, draft, "editor")
    workflow.approve(db, draft, "reviewer")
    db.commit()
    assert live_answers(db) == ["新的答案：5%至12%，单位和个人同比例。"]
    assert first.status == Status.RETIRED


def test_retired_items_cannot_be_edited_or_retired_again(db):
    item = published(db)
    workflow.retire(db, item, "reviewer", "政策已废止")
    db.commit()
    assert live_answers(db) == []
    with pytest.raises(WorkflowError, match="已停用"):
        workflow.save_draft(db, faq("复活"), "editor")
    with pytest.raises(WorkflowError, match="只有已发布的内容可以停用"):
        workflow.retire(db, item, "reviewer")


def test_roll_back_creates_a_draft_with_the_old_content_that_needs_review(db):
    first = published(db)
    second = workflow.save_draft(db, faq("第二版答案"), "editor")
    workflow.submit(db, second, "editor")
    workflow.approve(db, second, "reviewer")
    db.commit()

    restored = workflow.roll_back(db, first, "editor")
    assert restored.status == Status.DRAFT and restored.version == 3
    assert restored.body == first.body
    assert live_answers(db) == ["第二版答案"]  # nothing changes before review
    with pytest.raises(WorkflowError, match="最新版本"):
        workflow.roll_back(db, restored, "editor")
    workflow.submit(db, restored, "editor")
    workflow.approve(db, restored, "reviewer")
    db.commit()
    assert live_answers(db) == [first.body]
    assert ("editor", "rollback") in actions_of(db, first)


def test_roll_back_restores_a_retired_item_through_review(db):
    first = published(db)
    second = workflow.save_draft(db, faq("第二版答案"), "editor")
    workflow.submit(db, second, "editor")
    workflow.approve(db, second, "reviewer")
    workflow.retire(db, second, "reviewer", "暂停")
    restored = workflow.roll_back(db, first, "editor")
    assert restored.status == Status.DRAFT and restored.body == first.body


def test_audit_detail_shows_a_field_level_diff_of_an_edit(db):
    item = workflow.save_draft(db, faq(), "editor")
    workflow.save_draft(db, faq("按月缴存，比例5%至12%。", tags=["公积金", "缴存"]), "editor")
    entry = db.scalars(select(AuditEntry).where(AuditEntry.action == "update")).one()
    changes = entry.detail["changes"]
    assert changes["tags"] == {"before": ["公积金"], "after": ["公积金", "缴存"]}
    assert changes["body"]["after"] == "按月缴存，比例5%至12%。"
    assert entry.item_id == item.id


def test_authors_withdraw_a_submission_and_delete_a_draft_never_a_published_item(db):
    item = published(db)
    with pytest.raises(WorkflowError, match="只能删除草稿"):
        workflow.delete_draft(db, item, "editor")
    draft = workflow.save_draft(db, faq("按月缴存，比例5%至12%，由单位确定。"), "editor")
    workflow.submit(db, draft, "editor")
    with pytest.raises(WorkflowError, match="只有编写这项修改的人"):
        workflow.withdraw(db, draft, "someone-else")
    workflow.withdraw(db, draft, "editor")
    assert draft.status == Status.DRAFT and draft.submitted_at is None
    assert workflow.delete_draft(db, draft, "editor").id == item.id  # the live one remains
    db.commit()
    assert [i.id for i in db.scalars(select(Item))] == [item.id] and live_answers(db) == [item.body]
    assert actions_of(db, item)[-2:] == [("editor", "withdraw"), ("editor", "delete")]
