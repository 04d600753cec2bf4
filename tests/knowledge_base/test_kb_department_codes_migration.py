"""Migration 0002: items stored by the previous release with department names get codes,
and a re-import of unchanged content stays a no-op; downgrade gives the names back."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

from alembic.migration import MigrationContext
from alembic.operations import Operations
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.handoff.departments import save_department
from knowledge_base import store
from knowledge_base.models import Item, Kind
from knowledge_base.records import ItemData

MIGRATION = Path(__file__).resolve().parents[2] / "migrations" / "versions" / "0002_department_codes.py"


def _migration() -> ModuleType:
    spec = importlib.util.spec_from_file_location("department_codes", MIGRATION)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _run(session: Session, step: str) -> None:
    session.commit()
    with (session.get_bind().begin() as connection,
          Operations.context(MigrationContext.configure(connection))):
        getattr(_migration(), step)()
    session.expire_all()


def _faq(ident: str, department: str | None) -> ItemData:
    return ItemData(external_id=ident, kind=Kind.FAQ, title=f"问题{ident}", question=f"问题{ident}",
                    body="答案。", department=department, tags=["标签"],
                    alt_questions=["另一种问法"], fields={})


def _departments(session: Session) -> dict[str, str | None]:
    return {ident: department for ident, department in session.execute(select(Item.external_id, Item.department))}


def _hashes(session: Session) -> dict[str, str | None]:
    return {ident: digest for ident, digest in session.execute(select(Item.external_id, Item.content_hash))}


def test_names_become_codes_and_back_and_unchanged_content_stays_unchanged(session):
    save_department(session, "jiaoyu", "教育", ["学籍"])
    save_department(session, "shebao", "人力社保", ["社保"])  # a built-in department renamed
    stored = {"a": "社保", "b": "医保", "c": "教育", "d": "人力社保", "e": "某局", "f": None}
    for ident, department in stored.items():  # as the previous release stored them
        store.store_revision(session, _faq(ident, department), "staff")
    hashes = _hashes(session)

    _run(session, "upgrade")
    assert _departments(session) == {"a": "shebao", "b": "yibao", "c": "jiaoyu", "d": "shebao",
                                     "e": "某局", "f": None}
    for ident, code in _departments(session).items():
        _, outcome = store.store_revision(session, _faq(ident, code), "staff")
        assert outcome == store.SaveOutcome.UNCHANGED, ident

    _run(session, "downgrade")
    assert _departments(session) == {**stored, "a": "人力社保"}  # the table's name of shebao
    assert {k: v for k, v in _hashes(session).items() if k != "a"} == \
        {k: v for k, v in hashes.items() if k != "a"}
