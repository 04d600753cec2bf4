"""The knowledge base's read side for retrieval: revisions as plain records.

``KnowledgeBaseLoader`` is the ``retrieval.records.RecordLoader`` the app gives its
retrieval service; which revisions it hands over is decided by ``knowledge_base.versions``.
"""

from __future__ import annotations

from collections.abc import Hashable
from datetime import date

from sqlalchemy.orm import Session, sessionmaker

from knowledge_base.models import Item, Kind
from knowledge_base.terms import policy_terms
from knowledge_base.versions import as_if_published, in_force, unpublished_stamp
from retrieval.records import PassageRecord, SourceRecord


def version_of(item: Item) -> str:
    """The version citizens see: a regulation's date, else the publication date."""
    if item.version_label:
        return item.version_label
    if item.published_at is not None:
        return item.published_at.date().isoformat()
    return f"v{item.version}"


def source_record(item: Item) -> SourceRecord:
    """A revision and its chunks as retrieval indexes them."""
    return SourceRecord(
        source_id=item.external_id,
        kind=item.kind,
        title=item.title,
        version=version_of(item),
        passages=tuple(
            PassageRecord(chunk.id or 0, chunk.role, chunk.locator or "", chunk.context, chunk.text)
            for chunk in item.chunks
        ),
        url=item.url or "",
        department=item.department or "",
        question=item.question or "",
        answer=item.body if item.kind == Kind.FAQ else "",
        source_title=item.source_title or "",
        region=item.region or "",
    )


def records_in_force(session: Session, today: date | None = None) -> list[SourceRecord]:
    """What citizens may find today (see ``versions.in_force``)."""
    return [source_record(item) for item in in_force(session, today)]


def draft_records(session: Session, today: date | None = None) -> list[SourceRecord]:
    """What citizens would find with every draft published (see ``versions.as_if_published``)."""
    return [source_record(item) for item in as_if_published(session, today)]


class KnowledgeBaseLoader:
    """Records for retrieval, each read in a session of its own."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def in_force(self) -> list[SourceRecord]:
        with self.sessions() as session:
            return records_in_force(session)

    def terms(self) -> list[str]:
        with self.sessions() as session:
            return policy_terms(session)

    def preview_stamp(self) -> Hashable:
        with self.sessions() as session:
            return unpublished_stamp(session)

    def preview(self) -> list[SourceRecord]:
        with self.sessions() as session:
            return draft_records(session)
