"""Retention of citizen text: ``flask --app bot privacy purge --older-than DAYS``.

Past the retention (``PRIVACY_RETENTION_DAYS``), what citizens wrote is cleared wherever
it was kept: their transcript lines are replaced by a marker (the line, its time and the
conversation's figures stay), other transcript lines and handoff fields are masked or
emptied, pushed WeChat messages lose their content, query-log rows are deleted, and Rasa's
tracker events (its SQL tracker store: endpoints*.yml, `bot.supervisor.rasa_tracker_url`)
are deleted.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import Engine, create_engine, delete, inspect, select, text, update
from sqlalchemy.orm import Session

from bot.chat.privacy import mask
from bot.models import Handoff, Message, QueryLog
from bot.supervisor import rasa_tracker_url
from bot.wechat.models import WeChatInbound
from core.db import session_scope, utcnow

PURGED = "（已按保留期限清除）"
BATCH = 500


@dataclass
class PurgeReport:
    citizen_lines: int = 0
    other_lines: int = 0
    handoffs: int = 0
    wechat_messages: int = 0
    query_logs: int = 0
    tracker_events: int | None = None  # None: no tracker store found

    def summary(self) -> str:
        tracker = ("未找到 Rasa 对话记录库" if self.tracker_events is None
                   else f"Rasa 对话事件删除 {self.tracker_events} 条")
        return (f"清除完成：市民消息 {self.citizen_lines} 条，其他消息脱敏 {self.other_lines} 条，"
                f"转人工记录 {self.handoffs} 条，微信推送 {self.wechat_messages} 条，"
                f"查询日志删除 {self.query_logs} 条，{tracker}。")


def _in_batches(db: Session, ids: Sequence[int], label: str, apply: Callable[[list[int]], object],
                echo: Callable[[str], None]) -> int:
    """Run ``apply`` over ``ids`` a batch at a time (one commit each), with rate and ETA."""
    started = time.monotonic()
    for start in range(0, len(ids), BATCH):
        apply(list(ids[start:start + BATCH]))
        db.commit()
        done = min(start + BATCH, len(ids))
        rate = done / max(time.monotonic() - started, 1e-6)
        echo(f"  {label}：{done}/{len(ids)} 条，{rate:.0f} 条/秒，"
             f"预计剩余 {(len(ids) - done) / rate:.0f} 秒")
    return len(ids)


def purge(db: Session, cutoff: datetime, tracker: Engine | None,
          echo: Callable[[str], None] = lambda _line: None) -> PurgeReport:
    """Clear citizen text older than ``cutoff`` everywhere it is kept."""
    report = PurgeReport()
    citizen = db.scalars(select(Message.id).where(
        Message.created_at < cutoff, Message.role == "user", Message.text != PURGED)).all()
    report.citizen_lines = _in_batches(db, citizen, "市民消息", lambda ids: db.execute(
        update(Message).where(Message.id.in_(ids)).values(text=PURGED, payload={})), echo)

    others = db.scalars(select(Message).where(
        Message.created_at < cutoff, Message.role != "user")).all()
    changed = [message for message in others if mask(message.text) != message.text]
    for message in changed:
        message.text = mask(message.text)
    report.other_lines = _in_batches(db, [m.id for m in changed], "其他消息脱敏",
                                     lambda _ids: None, echo)

    handoffs = db.scalars(select(Handoff.id).where(
        Handoff.created_at < cutoff,
        (Handoff.last_query != PURGED) | Handoff.last_query.is_(None))).all()
    report.handoffs = _in_batches(db, handoffs, "转人工记录", lambda ids: db.execute(
        update(Handoff).where(Handoff.id.in_(ids))
        .values(last_query=PURGED, bot_context={}, rating_comment=None)), echo)

    inbound = db.scalars(select(WeChatInbound.id).where(
        WeChatInbound.received_at < cutoff, WeChatInbound.content != "")).all()
    report.wechat_messages = _in_batches(db, inbound, "微信推送", lambda ids: db.execute(
        update(WeChatInbound).where(WeChatInbound.id.in_(ids)).values(content="")), echo)

    logs = db.scalars(select(QueryLog.id).where(QueryLog.created_at < cutoff)).all()
    report.query_logs = _in_batches(db, logs, "查询日志", lambda ids: db.execute(
        delete(QueryLog).where(QueryLog.id.in_(ids))), echo)

    if tracker is not None and inspect(tracker).has_table("events"):
        with tracker.begin() as conn:
            result = conn.execute(text("DELETE FROM events WHERE timestamp < :cutoff"),
                                  {"cutoff": cutoff.timestamp()})
        report.tracker_events = result.rowcount
        echo(f"  Rasa 对话事件：删除 {result.rowcount} 条")
    return report


def tracker_engine(config: dict) -> Engine | None:
    """The Rasa tracker store of this installation, if it exists."""
    url = rasa_tracker_url(config["DATABASE_URL"], config["REDIS_URL"], Path(config["HOME"]),
                           config["RASA_TRACKER_URL"])
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).exists():
        return None
    if url.startswith("postgresql://"):
        url = url.replace("postgresql://", "postgresql+psycopg://", 1)  # the app's driver
    return create_engine(url)


privacy = AppGroup("privacy", help="个人信息保留期限：清除超期的市民文字。")


@privacy.command("purge")
@click.option("--older-than", "days", type=click.IntRange(min=1), default=None,
              help="清除多少天以前的内容（默认：PRIVACY_RETENTION_DAYS）。")
def purge_command(days: int | None) -> None:
    """Mask or delete citizen text older than the retention, everywhere it is kept."""
    days = days or current_app.config["PRIVACY_RETENTION_DAYS"]
    if not days:
        raise click.ClickException("未设置保留期限：请用 --older-than 天数，或设置 "
                                   "WENZHENG_PRIVACY_RETENTION_DAYS。")
    cutoff = utcnow() - timedelta(days=days)
    click.echo(f"清除 {cutoff:%Y-%m-%d %H:%M} UTC 以前（{days} 天前）的市民文字……")
    tracker = tracker_engine(current_app.config)
    try:
        with session_scope(current_app.extensions["wenzheng.sessions"]) as db:
            report = purge(db, cutoff, tracker, click.echo)
    finally:
        if tracker is not None:
            tracker.dispose()
    click.echo(report.summary())
