"""Policy terms for jieba, so 住房公积金 or 最低生活保障 stay one token in BM25 and NLU.

Built from the knowledge base (service names, departments, document short titles)
plus the curated list ``retrieval/curated_terms.txt``, written in jieba's user-dictionary
format ``word freq tag``.
"""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from knowledge_base.models import Item, Kind, Status
from retrieval.vocabulary import curated_terms

DEFAULT_USERDICT = Path(__file__).resolve().parent.parent / "data" / "jieba" / "policy_terms.txt"
CURATED_FREQ, DERIVED_FREQ = 20000, 2000
MIN_LEN, MAX_LEN = 2, 16


def policy_terms(session: Session) -> list[str]:
    """Curated terms first, then the terms of every current item, without duplicates."""
    derived: set[str] = set()
    items = session.scalars(select(Item).where(Item.status != Status.RETIRED))
    for item in items:
        derived.update(_item_terms(item))
    curated = list(curated_terms())
    return curated + sorted(derived - set(curated))


def write_userdict(terms: list[str], out: Path) -> None:
    curated = set(curated_terms())
    out.parent.mkdir(parents=True, exist_ok=True)
    lines = [f"{term} {CURATED_FREQ if term in curated else DERIVED_FREQ} n" for term in terms]
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _item_terms(item: Item) -> set[str]:
    terms: set[str] = set()
    if item.issuer:
        terms.add(item.issuer)
    if item.kind == Kind.GUIDE:
        terms.update(_name_parts(item.title))
    elif item.kind == Kind.DOCUMENT:
        short = item.title.removeprefix("中华人民共和国")
        terms.update({item.title, short, item.external_id.removeprefix("doc-")})
    return {term for term in terms if _usable(term)}


def _name_parts(name: str) -> set[str]:
    """``二级注册建造师执业资格注册核准(二级注册建造师增项注册)`` → both names."""
    return {part for part in re.split(r"[（）()、，,；;：:/\s]|及|和|与|或", name) if part}


def _usable(term: str) -> bool:
    return MIN_LEN <= len(term) <= MAX_LEN and not re.search(r"[\s\d]", term)
