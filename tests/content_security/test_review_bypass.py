"""Issue 14 item 12: no field an editor controls lets them publish without a second person."""

from __future__ import annotations

from sqlalchemy import Boolean
from sqlalchemy.orm import Session

from core.organisation import Department
from knowledge_base import workflow
from knowledge_base.models import Kind, Status
from knowledge_base.records import ItemData
from knowledge_base.versions import in_force


def _department_with_every_flag_on() -> Department:
    """A department with whatever trust settings an admin could give it, all switched on."""
    flags = {column.key: True for column in Department.__table__.columns
             if isinstance(column.type, Boolean)}
    return Department(code="trusted", name="受信任部门", **flags)


def test_editor_cannot_publish_alone_by_picking_a_department(db: Session):
    db.add(_department_with_every_flag_on())
    db.flush()
    for department in ("trusted", "受信任部门"):
        item = workflow.save_draft(db, ItemData(
            external_id=f"faq-{department}", kind=Kind.FAQ, title="公积金怎么提取",
            question="公积金怎么提取", alt_questions=[], body="携带身份证到柜台办理。",
            department=department, tags=[]), "editor")
        workflow.submit(db, item, "editor")
        db.commit()
        assert item.status == Status.REVIEW, department
    assert in_force(db) == []


def test_an_existing_database_with_the_old_column_still_takes_departments(database_url: str):
    from sqlalchemy import Column, MetaData

    from core.db import make_engine, make_session_factory
    from core.migrate import upgrade

    engine = make_engine(database_url)
    old = MetaData()  # the table as earlier versions created it: skip_review NOT NULL
    Department.__table__.to_metadata(old).append_column(Column("skip_review", Boolean,
                                                               nullable=False))
    old.create_all(engine)
    upgrade(engine)
    with make_session_factory(engine)() as db:
        db.add(Department(code="shebao", name="社保"))
        db.commit()
        assert db.query(Department).count() == 1
    engine.dispose()
