"""Knowledge-base items name their department by code (shebao), like handoffs and staff.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-08

Before, items stored the department's name (社保) and handoffs its code; now everything
stores the code (``core.organisation``). Each known name becomes its code: the names of
the ``departments`` table first (a renamed department keeps its items), then the eight
built-in ones. An item's content hash covers its department, so the changed items are
hashed again; otherwise re-importing an unchanged file would make a new draft of each.
Downgrade turns codes back into names the same way.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# The built-in departments as this revision knows them (code, name).
BUILT_IN = (
    ("shebao", "社保"), ("yibao", "医保"), ("gongjijin", "公积金"), ("huji", "户籍"),
    ("shuiwu", "税务"), ("minzheng", "民政"), ("jiaotong", "交通"), ("zonghe", "综合"),
)

# The content fields of an item, in the form ``knowledge_base.store.content_hash`` hashes.
_LISTS, _DATES = ("alt_questions", "tags"), ("published_on", "effective_on", "expires_on")
CONTENT = ("external_id", "kind", "title", "body", "question", "alt_questions", "department",
           "tags", "source_title", "url", "issuer", "doc_number", "region", "version_label",
           "published_on", "effective_on", "expires_on", "fields")
ITEMS = sa.table(
    "kb_items", sa.column("id", sa.Integer), sa.column("content_hash", sa.String),
    *(sa.column(name, sa.JSON if name in (*_LISTS, "fields") else
                sa.Date if name in _DATES else sa.Text) for name in CONTENT),
)


def upgrade() -> None:
    op.execute(
        "UPDATE kb_items SET department = "
        "(SELECT MIN(d.code) FROM departments d WHERE d.name = kb_items.department) "
        "WHERE department IN (SELECT name FROM departments) "
        "AND department NOT IN (SELECT code FROM departments)"
    )
    for code, name in BUILT_IN:
        op.execute(sa.text("UPDATE kb_items SET department = :code WHERE department = :name")
                   .bindparams(code=code, name=name))
    _rehash("code", [code for code, _ in BUILT_IN])


def downgrade() -> None:
    op.execute(
        "UPDATE kb_items SET department = "
        "(SELECT d.name FROM departments d WHERE d.code = kb_items.department) "
        "WHERE department IN (SELECT code FROM departments)"
    )
    for code, name in BUILT_IN:
        op.execute(sa.text("UPDATE kb_items SET department = :name WHERE department = :code")
                   .bindparams(code=code, name=name))
    _rehash("name", [name for _, name in BUILT_IN])


def _rehash(column: str, built_in: list[str]) -> None:
    """Hash again the items whose department is now a ``column`` value of the departments
    table or one of ``built_in``."""
    connection = op.get_bind()
    values = {*connection.scalars(sa.text(f"SELECT {column} FROM departments")), *built_in}
    rows = connection.execute(sa.select(ITEMS).where(ITEMS.c.department.in_(values)))
    for row in rows.mappings().all():
        connection.execute(sa.update(ITEMS).where(ITEMS.c.id == row["id"])
                           .values(content_hash=content_hash(row)))


def content_hash(row: Any) -> str:
    """``knowledge_base.store.content_hash`` of the stored content of one item."""
    canonical = {name: _jsonable(row[name]) for name in CONTENT}
    for name in _LISTS:
        canonical[name] = canonical[name] or []
    canonical["fields"] = canonical["fields"] or {}
    encoded = json.dumps(canonical, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(encoded.encode()).hexdigest()


def _jsonable(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return value
