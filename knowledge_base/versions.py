"""Which revisions replace each other (version lines) and which of them is in force,
i.e. what retrieval may search by default."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, selectinload

from knowledge_base.models import Item, Kind, Status
from knowledge_base.records import ItemData
from knowledge_base.text import CN_DIGITS, cn_number


@dataclass(frozen=True)
class VersionLine:
    """Revisions that replace each other: one external id, and for documents one version
    label. A law's 2019 and 2023 texts are two lines, published side by side (``in_force``
    picks the one in force); within a line, publishing a revision retires the others and
    only the newest revision may be edited."""

    external_id: str
    by_label: bool  # a document: each version label is a line of its own
    label: str | None

    @classmethod
    def of(cls, external_id: str, kind: str, version_label: str | None) -> VersionLine:
        by_label = kind == Kind.DOCUMENT
        return cls(external_id, by_label, version_label if by_label else None)

    @classmethod
    def of_item(cls, item: Item) -> VersionLine:
        return cls.of(item.external_id, item.kind, item.version_label)

    @classmethod
    def of_content(cls, data: ItemData) -> VersionLine:
        return cls.of(data["external_id"], data["kind"], data.get("version_label"))

    def revisions(self) -> Select[Item]:
        """The query for the revisions of this line."""
        query = select(Item).where(Item.external_id == self.external_id)
        if self.by_label:
            query = query.where(
                Item.version_label.is_(None) if self.label is None else Item.version_label == self.label
            )
        return query


def in_force(session: Session, today: date | None = None) -> list[Item]:
    """The published revision of each external id in force today.

    In force: effective date ≤ today < expiry date; an item without an effective date
    is effective from its publication. When several published revisions qualify
    (e.g. a regulation's 2019 and 2023 versions), the latest effective one wins.
    """
    today = today or date.today()
    published = session.scalars(
        select(Item).where(Item.status == Status.PUBLISHED).options(selectinload(Item.chunks))
    )
    return _latest_effective(
        [item for item in published if effective_since(item) <= today and not _expired(item, today)], today
    )


def as_if_published(session: Session, today: date | None = None) -> list[Item]:
    """What would be in force once every draft and submission were published and every
    publication not in force yet had taken effect (the console's preview).

    In each version line its newest unpublished revision stands in for the published
    one, as publishing it would retire that; of the lines of one external id, the
    latest effective wins, as in ``in_force``.
    """
    today = today or date.today()
    revisions = session.scalars(
        select(Item).where(Item.status.in_([Status.DRAFT, Status.REVIEW, Status.PUBLISHED]))
        .options(selectinload(Item.chunks))
    )
    lines: dict[VersionLine, Item] = {}
    for item in revisions:
        if item.status == Status.PUBLISHED and _expired(item, today):
            continue
        line = VersionLine.of_item(item)
        best = lines.get(line)
        if best is None or _standing(item) > _standing(best):
            lines[line] = item
    return _latest_effective(list(lines.values()), today)


def unpublished_stamp(session: Session) -> tuple[tuple[int, datetime], ...]:
    """Changes whenever a draft or submission does (what ``as_if_published`` depends on
    besides the published revisions)."""
    rows = session.execute(
        select(Item.id, Item.updated_at).where(Item.status.in_([Status.DRAFT, Status.REVIEW]))
        .order_by(Item.id)
    )
    return tuple((row.id, row.updated_at) for row in rows)


def _standing(item: Item) -> tuple[bool, int]:
    """Within a line: an unpublished revision replaces the published one, a newer an older."""
    return item.status != Status.PUBLISHED, item.version


def _latest_effective(items: list[Item], today: date) -> list[Item]:
    """Of the revisions of each external id, the latest effective (then the newest)."""
    winners: dict[str, Item] = {}
    for item in items:
        best = winners.get(item.external_id)
        if best is None or _rank(item, today) > _rank(best, today):
            winners[item.external_id] = item
    return [winners[external_id] for external_id in sorted(winners)]


def _rank(item: Item, today: date) -> tuple[date, int]:
    return effective_since(item, today), item.version


def _expired(item: Item, today: date) -> bool:
    return item.expires_on is not None and today >= item.expires_on


def effective_since(item: Item, today: date | None = None) -> date:
    """The effective date, else the publication date (a just-published item counts today,
    and so does an unpublished one, as if published now)."""
    if item.effective_on is not None:
        return item.effective_on
    if item.published_at is not None:
        return item.published_at.date()
    if item.status in (Status.DRAFT, Status.REVIEW):
        return today or date.today()
    return item.published_on or date.min


def force_label(item: Item, today: date | None = None) -> str:
    """未生效（… 起） / 已失效（… 起） for a revision whose dates keep it out of force today."""
    today = today or date.today()
    if item.effective_on is not None and item.effective_on > today:
        return f"未生效（{item.effective_on.isoformat()} 起）"
    if item.expires_on is not None and today >= item.expires_on:
        return f"已失效（{item.expires_on.isoformat()} 起）"
    return ""


_NUMBER = r"[0-9]{1,4}|[〇○零一二三四五六七八九十]{1,4}"
_IN_FORCE_FROM = re.compile(
    rf"(?P<y>{_NUMBER})\s*年\s*(?P<m>{_NUMBER})\s*月\s*(?P<d>{_NUMBER})\s*日\s*起?\s*(?:正式)?"
    r"(?:施行|实施|生效|执行)"
)


def _date_number(text: str) -> int:
    """2027, 二〇二七 (years are read digit by digit), 十二, 二十一 → int."""
    text = text.replace("○", "〇")
    if text.isdigit() or "十" in text:
        return cn_number(text)
    return int("".join(str(CN_DIGITS[char]) for char in text))


def effective_date_in(text: str) -> date | None:
    """The date a document says it takes effect (…自2027年1月1日起施行), the last one stated."""
    found = None
    for match in _IN_FORCE_FROM.finditer(unicodedata.normalize("NFKC", text)):
        try:
            found = date(*(_date_number(match[key]) for key in ("y", "m", "d")))
        except (KeyError, ValueError):
            continue
    return found
