"""Revisions, publishing, versions in force and the audit trail, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from knowledge_base import store
from knowledge_base.importer import import_path
from knowledge_base.models import AuditEntry, Item, Kind, Status
from knowledge_base.records import ItemData
from knowledge_base.store import SaveOutcome
from knowledge_base.versions import as_if_published, in_force


def _faq(answer: str = "到居住地派出所办理。") -> ItemData:
    return ItemData(external_id="faq-rp", kind=Kind.FAQ, title="居住证在哪办？",
                    question="居住证在哪办？", alt_questions=["去哪里办居住证"], body=answer,
                    department="户籍")


def test_unchanged_content_is_a_no_op_and_a_changed_draft_is_updated_in_place(session):
    item, created = store.store_revision(session, _faq(), "staff")
    again, created_again = store.store_revision(session, _faq(), "staff")
    assert (created, created_again) == (SaveOutcome.CREATED, SaveOutcome.UNCHANGED)
    assert again.id == item.id

    edited, edit = store.store_revision(session, _faq("到居住地派出所或社区服务机构办理。"), "staff")
    session.commit()
    assert edit is SaveOutcome.UPDATED and edited.id == item.id and edited.version == 1
    assert edited.chunks[-1].text == "到居住地派出所或社区服务机构办理。"
    update = session.scalars(select(AuditEntry).where(AuditEntry.action == "update")).one()
    assert update.detail["changes"]["body"] == {"before": "到居住地派出所办理。",
                                                "after": "到居住地派出所或社区服务机构办理。"}


def test_change_after_publishing_makes_a_new_draft_and_publishing_it_retires_the_old(session):
    first, _ = store.store_revision(session, _faq(), "staff")
    store.publish(session, first, "reviewer")
    second, created = store.store_revision(session, _faq("改为网上申请。"), "staff")
    assert created is SaveOutcome.CREATED and second.version == 2 and second.status == Status.DRAFT
    assert first.status == Status.PUBLISHED  # citizens keep seeing v1 until v2 is published

    store.publish(session, second, "reviewer", "更新办理方式")
    session.commit()
    assert (first.status, second.status) == (Status.RETIRED, Status.PUBLISHED)
    assert [i.version for i in in_force(session)] == [2]
    actions = session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions == ["create", "publish", "create", "retire", "publish"]


def test_only_the_later_adoption_regulation_is_in_force(session, laws_dir):
    import_path(session, laws_dir / "行政法规", "test", publish=True)
    session.commit()
    versions = session.scalars(select(Item).where(
        Item.external_id == "doc-中国公民收养子女登记办法").order_by(Item.version_label)).all()
    assert [(v.version_label, v.status) for v in versions] == [
        ("2019-03-02", Status.PUBLISHED), ("2023-07-20", Status.PUBLISHED)]

    live = {i.external_id: i for i in in_force(session)}
    assert live["doc-中国公民收养子女登记办法"].version_label == "2023-07-20"
    past = {i.external_id: i for i in in_force(session, today=date(2020, 1, 1))}
    assert past["doc-中国公民收养子女登记办法"].version_label == "2019-03-02"
    assert "doc-退役军人安置条例" not in past  # 2024 regulation not yet effective in 2020


def test_expired_and_unpublished_items_are_not_in_force(session):
    expired = ItemData(external_id="faq-old", kind=Kind.FAQ, title="旧政策？", question="旧政策？",
                       body="已废止。", expires_on=date(2020, 1, 1))
    item, _ = store.store_revision(session, expired, "staff")
    store.publish(session, item, "staff")
    store.store_revision(session, _faq(), "staff")  # draft only
    session.commit()
    assert in_force(session) == []


def _law(label: str, effective: date, body: str) -> ItemData:
    return ItemData(external_id="doc-收养登记办法", kind=Kind.DOCUMENT, title="收养登记办法",
                    body=body, version_label=label, effective_on=effective)


def test_the_draft_preview_replaces_a_revision_only_within_its_version_line(session):
    for label, effective, body in (("2019-03-02", date(2019, 3, 2), "第一条 旧文本。"),
                                   ("2023-07-20", date(2023, 7, 20), "第一条 新文本。")):
        item, _ = store.store_revision(session, _law(label, effective, body), "staff")
        store.publish(session, item, "reviewer")
    store.store_revision(session, _law("2019-03-02", date(2019, 3, 2), "第一条 旧文本（勘误）。"), "staff")
    session.commit()
    # A correction of the 2019 text does not make the preview answer with the 2019 text.
    assert [i.body for i in as_if_published(session)] == ["第一条 新文本。"]

    store.store_revision(session, _law("2023-07-20", date(2023, 7, 20), "第一条 新文本（修订）。"), "staff")
    store.store_revision(session, _faq(), "staff")
    session.commit()
    assert [i.body for i in as_if_published(session)] == ["第一条 新文本（修订）。", "到居住地派出所办理。"]
    assert [i.body for i in in_force(session)] == ["第一条 新文本。"]


def test_the_draft_preview_shows_publications_not_in_force_yet_but_not_expired_ones(session):
    scheduled = ItemData(external_id="faq-next", kind=Kind.FAQ, title="新规？", question="新规？",
                         body="2047年起施行。", effective_on=date(2047, 1, 1))
    expired = ItemData(external_id="faq-gone", kind=Kind.FAQ, title="旧规？", question="旧规？",
                       body="已废止。", expires_on=date(2020, 1, 1))
    for data in (scheduled, expired):
        item, _ = store.store_revision(session, data, "staff")
        store.publish(session, item, "reviewer")
    session.commit()
    assert [i.external_id for i in as_if_published(session)] == ["faq-next"]
    assert in_force(session) == []
