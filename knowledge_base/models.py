"""Knowledge-base tables: every revision of every item, its chunks, and the audit trail.

One row of ``kb_items`` is one *revision* of an item. Revisions of the same item share
``external_id``; ``version`` counts them. Which revision citizens see is decided by
``status`` and the effective/expiry dates (see ``knowledge_base.versions``).
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, UtcDateTime, utcnow


class Kind(StrEnum):
    FAQ = "faq"
    DOCUMENT = "document"
    GUIDE = "guide"


class Status(StrEnum):
    DRAFT = "draft"
    REVIEW = "review"
    PUBLISHED = "published"
    RETIRED = "retired"


class Item(Base):
    """One revision of a FAQ entry, policy document or service guide."""

    __tablename__ = "kb_items"
    __table_args__ = (UniqueConstraint("external_id", "version", name="uq_item_revision"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    external_id: Mapped[str] = mapped_column(String(200), index=True)
    kind: Mapped[str] = mapped_column(String(16), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(16), default=Status.DRAFT, index=True)

    title: Mapped[str] = mapped_column(String(500))
    # FAQ: the answer; document: the full text; guide: the rendered guide text.
    body: Mapped[str] = mapped_column(Text, default="")
    question: Mapped[str | None] = mapped_column(Text)
    alt_questions: Mapped[list[str]] = mapped_column(JSON, default=list)
    department: Mapped[str | None] = mapped_column(String(200), index=True)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)

    source_title: Mapped[str | None] = mapped_column(String(500))
    url: Mapped[str | None] = mapped_column(String(1000))
    issuer: Mapped[str | None] = mapped_column(String(200))
    doc_number: Mapped[str | None] = mapped_column(String(200))
    region: Mapped[str | None] = mapped_column(String(100))
    # Human-readable version for citations, e.g. the date of a law's revision.
    version_label: Mapped[str | None] = mapped_column(String(50))
    published_on: Mapped[date | None] = mapped_column(Date)
    effective_on: Mapped[date | None] = mapped_column(Date)
    expires_on: Mapped[date | None] = mapped_column(Date)
    # Kind-specific extras, e.g. the raw fields of a service guide.
    fields: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Hash of the imported content: a re-import of unchanged content is a no-op.
    content_hash: Mapped[str | None] = mapped_column(String(64))

    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("kb_items.id"))
    author: Mapped[str | None] = mapped_column(String(100))
    reviewer: Mapped[str | None] = mapped_column(String(100))
    review_comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        UtcDateTime(), default=utcnow, onupdate=utcnow
    )
    submitted_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    published_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    chunks: Mapped[list[Chunk]] = relationship(
        back_populates="item", cascade="all, delete-orphan", order_by="Chunk.ordinal"
    )

    def __repr__(self) -> str:
        return f"<Item {self.external_id} v{self.version} {self.status}>"


class Chunk(Base):
    """A retrievable piece of an item: a FAQ question, an article, a guide field.

    ``text`` is exactly ``item.body[start:end]`` (empty offsets for FAQ questions,
    which are not part of the body); ``context`` (title, chapter, guide name) is
    prepended when indexing so a chunk is understood on its own.
    """

    __tablename__ = "kb_chunks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("kb_items.id", ondelete="CASCADE"), index=True)
    ordinal: Mapped[int] = mapped_column(Integer)
    # "question" (FAQ question or alternate), "answer", "article", "section", "field".
    role: Mapped[str] = mapped_column(String(16))
    locator: Mapped[str] = mapped_column(String(200), default="")
    context: Mapped[str] = mapped_column(Text, default="")
    text: Mapped[str] = mapped_column(Text)
    start: Mapped[int | None] = mapped_column(Integer)
    end: Mapped[int | None] = mapped_column(Integer)

    item: Mapped[Item] = relationship(back_populates="chunks")


class AuditEntry(Base):
    """Who did what to which item, when; ``detail`` holds a before/after diff."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(32), index=True)
    external_id: Mapped[str | None] = mapped_column(String(200), index=True)
    item_id: Mapped[int | None] = mapped_column(Integer)
    version: Mapped[int | None] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
