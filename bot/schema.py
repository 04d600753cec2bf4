"""The whole schema: every model module of the project, registered on the one base, and
``flask db`` to show or bring up to date a database's revision (``core.migrate``)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import Engine

import bot.models  # noqa: F401  (registers the app's tables)
import bot.wechat.models  # noqa: F401
import bot.wechat.replay  # noqa: F401  (wechat_nonces)
import core.organisation  # noqa: F401  (departments)
import knowledge_base.models  # noqa: F401
from core import migrate

db = AppGroup("db", help="数据库结构版本：查看、升级。")


def _engine() -> Engine:
    return current_app.extensions["wenzheng.engine"]


def _revision() -> str:
    with _engine().connect() as connection:
        revision = migrate.current(connection) or "无（尚未建立）"
    head = migrate.head()
    return f"{revision}（最新：{head}）" if revision != head else f"{revision}（最新）"


@db.command("current", help="显示数据库的结构版本。")
def current() -> None:
    click.echo(f"数据库结构版本：{_revision()}")


@db.command("upgrade", help="把数据库结构升级到最新版本（应用启动时也会自动升级）。")
def upgrade() -> None:
    migrate.upgrade(_engine())
    click.echo(f"数据库结构版本：{_revision()}")
