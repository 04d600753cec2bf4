"""``flask wechat ...``: look after the push queues (resume after downtime, retry failures)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import func, select

from bot.wechat.models import WeChatInbound, WeChatNotice, WeChatOutbound
from bot.wechat.subscribe import retryable_failures
from core.db import session_scope


@click.group()
def wechat() -> None:
    """WeChat customer-service message queues."""


@wechat.command("status")
@with_appcontext
def status() -> None:
    """Count pushed and outgoing messages by state."""
    with session_scope(current_app.extensions["wenzheng.sessions"]) as db:
        for model in (WeChatInbound, WeChatOutbound, WeChatNotice):
            counts = db.execute(select(model.state, func.count()).group_by(model.state)).all()
            summary = ", ".join(f"{state} {count}" for state, count in counts) or "empty"
            click.echo(f"{model.__tablename__}: {summary}")


@wechat.command("retry")
@with_appcontext
def retry() -> None:
    """Send failed outgoing messages (and unrefused subscription messages) again and process pending ones, then wait for them."""
    worker = current_app.extensions["wenzheng.wechat"]
    worker.outbox.retry_failed(WeChatOutbound)
    # Subscription messages too, except those the citizen refused (43101).
    worker.outbox.retry_failed(WeChatNotice, retryable_failures())
    scheduled = worker.resume()
    worker.shutdown(wait=True)
    click.echo(f"scheduled {scheduled} job(s)")
