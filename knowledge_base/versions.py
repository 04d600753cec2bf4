"""Which revision of each item is in force, i.e. what retrieval may search by default."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from knowledge_base.models import Item, Status
from knowledge_base.text import CN_DIGITS, cn_number


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
    winners: dict[str, tuple[date, int, Item]] = {}
    for item in published:
        effective = effective_since(item)
        if effective > today or (item.expires_on is not None and today >= item.expires_on):
            continue
        rank = (effective, item.version, item)
        best = winners.get(item.external_id)
        if best is None or rank[:2] > best[:2]:
            winners[item.external_id] = rank
    return [item for _, _, item in sorted(winners.values(), key=lambda w: w[2].external_id)]


def scheduled(session: Session, today: date | None = None) -> list[Item]:
    """Published revisions that take effect after ``today`` (not searchable by citizens yet)."""
    today = today or date.today()
    return list(session.scalars(
        select(Item).where(Item.status == Status.PUBLISHED, Item.effective_on > today)
        .options(selectinload(Item.chunks)).order_by(Item.effective_on)
    ))


def effective_since(item: Item) -> date:
    """The effective date, else the publication date (a just-published item counts today)."""
    if item.effective_on is not None:
        return item.effective_on
    if item.published_at is not None:
        return item.published_at.date()
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
