"""`flask --app bot handoffs ...` and `flask --app bot departments ...`."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from bot.handoff import watch
from bot.handoff.departments import DepartmentError, list_departments, save_department, seed_demo
from bot.handoff.sla import ServiceHours
from core.db import session_scope


def _sessions():
    return current_app.extensions["wenzheng.sessions"]


@click.group(cls=AppGroup)
def handoffs() -> None:
    """Operator desk duties: response-time limits, Rasa resumes."""


@handoffs.command("check-sla")
def check_sla_command() -> None:
    """Escalate overdue conversations and retry pending Rasa resumes, once."""
    escalated, resumed = watch.run_once(current_app._get_current_object())  # type: ignore[attr-defined]  # the proxied app
    click.echo(f"已督办 {escalated} 个超时会话，已恢复 {resumed} 个机器人会话")


@handoffs.command("watch")
@click.option("--interval", default=60.0, show_default=True, help="Seconds between passes.")
def watch_command(interval: float) -> None:
    """Run check-sla every INTERVAL seconds until interrupted."""
    watch.run_forever(current_app._get_current_object(), interval)  # type: ignore[attr-defined]


@click.group(cls=AppGroup)
def departments() -> None:
    """Departments that answer handed-off conversations."""


@departments.command("seed")
def seed_command() -> None:
    """Create the demo departments (社保, 医保, 公积金 ...) that do not exist yet."""
    with session_scope(_sessions()) as db:
        created = seed_demo(db)
    click.echo(f"已创建 {created} 个演示部门")


@departments.command("create")
@click.argument("code")
@click.argument("name")
@click.option("--keyword", "keywords", multiple=True, help="Routing keyword (repeatable).")
@click.option("--first-response", default=10, show_default=True, help="Minutes.")
@click.option("--resolution", default=120, show_default=True, help="Minutes.")
@click.option("--always-open", is_flag=True, help="Answer around the clock.")
def create_command(
    code: str,
    name: str,
    keywords: tuple[str, ...],
    first_response: int,
    resolution: int,
    always_open: bool,
) -> None:
    """Create or update a department (weekdays 09:00–18:00 unless --always-open)."""
    try:
        with session_scope(_sessions()) as db:
            _, created = save_department(
                db,
                code,
                name,
                list(keywords),
                first_response,
                resolution,
                service_hours={} if always_open else None,
            )
    except DepartmentError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"已{'创建' if created else '更新'}部门 {code}（{name}）")


@departments.command("list")
def list_command() -> None:
    """List departments with their targets and service hours."""
    with session_scope(_sessions()) as db:
        for d in list_departments(db):
            hours = ServiceHours.from_config(d.service_hours).describe()
            click.echo(
                f"{d.code}\t{d.name}\t首响 {d.first_response_minutes} 分钟\t"
                f"办结 {d.resolution_minutes} 分钟\t{hours}\t{'、'.join(d.keywords)}"
            )
