"""`flask departments ...`: the demo set is seeded once and admins' edits survive a re-seed."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.organisation import Department

pytestmark = pytest.mark.fake_embedder  # no ranking asserted: no 471 MB model


def test_seed_is_idempotent_and_keeps_edits(handoff_app, db):
    runner = handoff_app.test_cli_runner()
    assert "已创建 0 个演示部门" in runner.invoke(args=["departments", "seed"]).output

    edited = runner.invoke(
        args=[
            "departments",
            "create",
            "shebao",
            "社保",
            "--keyword",
            "养老金",
            "--first-response",
            "5",
        ]
    )
    assert edited.exit_code == 0 and "已更新部门 shebao" in edited.output
    runner.invoke(args=["departments", "seed"])
    db.expire_all()
    shebao = db.scalar(select(Department).where(Department.code == "shebao"))
    assert (shebao.keywords, shebao.first_response_minutes) == (["养老金"], 5)

    listing = runner.invoke(args=["departments", "list"]).output
    assert len(listing.strip().splitlines()) == 8 and "周一至周五 09:00–18:00" in listing


def test_create_refuses_bad_targets(handoff_app):
    result = handoff_app.test_cli_runner().invoke(
        args=[
            "departments",
            "create",
            "x",
            "测试",
            "--first-response",
            "200",
            "--resolution",
            "100",
        ]
    )
    assert result.exit_code != 0 and "首次响应时限" in result.output
