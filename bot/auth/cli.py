"""`flask --app bot users ...`: staff accounts are created by admins, never self-registered."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from bot.auth import lockout
from bot.auth.accounts import ROLE_LABELS, AccountError, create_user, set_active, set_role
from bot.models import User
from core.db import session_scope

ROLE_CHOICE = click.Choice([str(role) for role in ROLE_LABELS])


def _sessions():
    return current_app.extensions["wenzheng.sessions"]


def _run(change) -> None:
    """Apply one account change in its own transaction; refusals become CLI errors."""
    try:
        with session_scope(_sessions()) as db:
            change(db)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from exc


@click.group(cls=AppGroup)
def users() -> None:
    """Create and manage staff accounts."""


@users.command("create")
@click.argument("username")
@click.option("--role", type=ROLE_CHOICE, required=True)
@click.option("--department", default=None, help="Department code, e.g. shebao.")
@click.option("--display-name", default="")
@click.password_option(help="Prompted (twice) when omitted.")
def create_command(
    username: str, role: str, department: str | None, display_name: str, password: str
) -> None:
    """Create an account."""
    _run(lambda db: create_user(db, username, role, password, department, display_name))
    click.echo(f"已创建用户 {username}（{ROLE_LABELS[role]}）")


@users.command("list")
def list_command() -> None:
    """List accounts."""
    with session_scope(_sessions()) as db:
        for user in db.scalars(select(User).order_by(User.username)):
            state = "启用" if user.active else "停用"
            click.echo(f"{user.username}\t{user.role}\t{user.department or '-'}\t{state}")


@users.command("set-role")
@click.argument("username")
@click.argument("role", type=ROLE_CHOICE)
def set_role_command(username: str, role: str) -> None:
    """Change an account's role."""
    _run(lambda db: set_role(db, username, role))
    click.echo(f"{username} 的角色已改为 {ROLE_LABELS[role]}")


@users.command("deactivate")
@click.argument("username")
def deactivate_command(username: str) -> None:
    """Block an account from logging in (its open sessions end too)."""
    _run(lambda db: set_active(db, username, False))
    click.echo(f"已停用用户 {username}")


@users.command("unlock")
@click.argument("username")
def unlock_command(username: str) -> None:
    """Lift a login lock-out (after wrong passwords) at once."""
    _run(lambda db: lockout.clear(db, username))
    click.echo(f"已解除 {username} 的登录锁定")
