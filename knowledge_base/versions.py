"""Which revision of each item is in force, i.e. what retrieval may search by default."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from knowledge_base.models import Item, Status


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


def effective_since(item: Item) -> date:
    """The effective date, else the publication date (a just-published item counts today)."""
    if item.effective_on is not None:
        return item.effective_on
    if item.published_at is not None:
        return item.published_at.date()
    return item.published_on or date.min
