"""`flask users ...`: the only way, besides the admin page, to create staff accounts."""

from __future__ import annotations

import pytest

from auth.helpers import login

pytestmark = pytest.mark.fake_embedder  # no ranking asserted: no 471 MB model


def test_create_list_set_role_and_deactivate(app):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["users", "create", "li", "--role", "editor", "--department", "shebao",
              "--password", "long-enough-1"]
    )
    assert result.exit_code == 0, result.output
    assert login(app.test_client(), "li", "long-enough-1").status_code == 302

    listing = runner.invoke(args=["users", "list"]).output
    assert "li\teditor\tshebao\t启用" in listing

    assert runner.invoke(args=["users", "set-role", "li", "reviewer"]).exit_code == 0
    assert "li\treviewer" in runner.invoke(args=["users", "list"]).output

    assert runner.invoke(args=["users", "deactivate", "li"]).exit_code == 0
    assert "停用" in runner.invoke(args=["users", "list"]).output
    assert login(app.test_client(), "li", "long-enough-1").status_code == 401


def test_password_is_prompted_when_omitted(app):
    result = app.test_cli_runner().invoke(
        args=["users", "create", "wang", "--role", "operator"],
        input="long-enough-2\nlong-enough-2\n",
    )
    assert result.exit_code == 0, result.output
    assert login(app.test_client(), "wang", "long-enough-2").status_code == 302


def test_refusals_are_clear_errors(app):
    runner = app.test_cli_runner()
    create = ["users", "create", "li", "--role", "editor", "--password"]
    assert runner.invoke(args=[*create, "long-enough-1"]).exit_code == 0
    duplicate = runner.invoke(args=[*create, "long-enough-1"])
    assert duplicate.exit_code != 0 and "用户名已存在" in duplicate.output
    short = runner.invoke(args=["users", "create", "zhao", "--role", "editor", "--password", "x"])
    assert short.exit_code != 0 and "密码至少" in short.output
    bad_role = runner.invoke(args=["users", "create", "qian", "--role", "boss", "--password", "x" * 9])
    assert bad_role.exit_code != 0
    unknown = runner.invoke(args=["users", "deactivate", "nobody"])
    assert unknown.exit_code != 0 and "找不到用户" in unknown.output
