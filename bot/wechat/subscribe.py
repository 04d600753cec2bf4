"""Subscription messages (订阅消息): tell a mini-program citizen that a person answered.

The mini-program asks with ``wx.requestSubscribeMessage`` (on 转人工 and on the waiting
notice) and posts what the citizen chose; each "accept" allows one message of that
template, kept in ``wechat_consent``. When an operator's line is stored for a
``miniprogram`` conversation, the channel sender uses one consent and queues a
``wechat_notice`` row; a worker thread sends it through
``/cgi-bin/message/subscribe/send``. Refusals (43101: the citizen has no consent left)
and quota errors are logged and kept as ``failed``, never retried in a loop.
"""

from __future__ import annotations

import logging
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask
from sqlalchemy import ColumnElement, case, select, update
from sqlalchemy.exc import IntegrityError

from bot.models import Conversation, Message
from bot.redaction import redact
from bot.wechat.client import WeChatError
from bot.wechat.models import WeChatConsent, WeChatNotice
from bot.wechat.worker import WeChatWorker
from core.db import rows_changed, session_scope

log = logging.getLogger(__name__)

CHANNEL = "miniprogram"
# The citizen refused, or has used up, the consent for this template.
NO_CONSENT = 43101
# Daily quota or call-frequency limits: worth sending again later, by hand.
QUOTA_ERRORS = frozenset({45009, 45011})
# A citizen may collect several one-shot consents; more than this is not believable.
MAX_CREDITS = 10
# Accepted values of wx.requestSubscribeMessage's result per template.
ACCEPT, REFUSALS = "accept", frozenset({"reject", "ban"})
# Longest value WeChat accepts in a ``thing`` field.
THING_CHARS = 20
TZ = ZoneInfo("Asia/Shanghai")


class ConsentError(ValueError):
    """A consent report the server cannot use (unknown template, bad shape)."""


def parse_fields(spec: str) -> list[tuple[str, str]]:
    """``"thing1:question,time3:time"`` -> ``[("thing1", "question"), ("time3", "time")]``."""
    fields = []
    for item in filter(None, (part.strip() for part in spec.split(","))):
        keyword, _, value = item.partition(":")
        if not keyword or value not in {"question", "reply", "time"}:
            raise ValueError(f"WECHAT_SUBSCRIBE_FIELDS: cannot use {item!r}")
        fields.append((keyword.strip(), value))
    return fields


def _thing(text: str) -> str:
    """One line of at most ``THING_CHARS`` characters (WeChat refuses longer values)."""
    text = " ".join(text.split())
    return text if len(text) <= THING_CHARS else text[: THING_CHARS - 1] + "…"


class SubscriptionNotifier:
    def __init__(self, app: Flask, worker: WeChatWorker) -> None:
        config = app.config
        self.worker = worker
        self.sessions = worker.sessions
        self.template_id: str = config["WECHAT_SUBSCRIBE_TEMPLATE_ID"]
        self.fields = parse_fields(config["WECHAT_SUBSCRIBE_FIELDS"])
        self.page: str = config["WECHAT_SUBSCRIBE_PAGE"]
        self.state: str = config["WECHAT_SUBSCRIBE_STATE"]
        worker.resumers.append(self.resume)

    @property
    def templates(self) -> list[str]:
        """The template ids the mini-program should ask consent for."""
        return [self.template_id] if self.template_id else []

    # -- consent ------------------------------------------------------------------------

    def record_consent(self, openid: str, results: Any) -> dict[str, int]:
        """Store what ``wx.requestSubscribeMessage`` answered; returns credits per template."""
        if not isinstance(results, dict) or not results:
            raise ConsentError("results 必须是模板编号到授权结果的对象")
        unknown = [t for t in results if t not in self.templates]
        if unknown:
            raise ConsentError(f"未知的订阅消息模板：{unknown[0]}"[:80])
        credits = {}
        for template_id, result in results.items():
            if result == ACCEPT:
                credits[template_id] = self._change_credits(openid, template_id, +1)
            elif result in REFUSALS:
                credits[template_id] = self._change_credits(openid, template_id, None)
            else:  # "filter" (template hidden by WeChat) or anything else: nothing changes
                credits[template_id] = self._change_credits(openid, template_id, 0)
        return credits

    def _change_credits(self, openid: str, template_id: str, delta: int | None) -> int:
        """Add ``delta`` (capped), or clear with ``None``, in one UPDATE so concurrent
        reports add up; the row is created on first use."""
        where = _consent_of(openid, template_id)
        added = WeChatConsent.credits + (delta or 0)
        value = 0 if delta is None else case((added > MAX_CREDITS, MAX_CREDITS), else_=added)
        for _ in range(2):  # a concurrent first insert of the same row: update it instead
            try:
                with session_scope(self.sessions) as db:
                    if not rows_changed(db, update(WeChatConsent).where(where).values(credits=value)):
                        first = 0 if delta is None else min(delta, MAX_CREDITS)
                        db.add(WeChatConsent(openid=openid, template_id=template_id, credits=first))
                    return db.scalars(select(WeChatConsent.credits).where(where)).one()
            except IntegrityError:
                continue
        raise RuntimeError("consent row kept changing")  # pragma: no cover

    # -- sending ------------------------------------------------------------------------

    def send_later(self, conversation: Conversation, message: Message) -> None:
        """The ``miniprogram`` channel sender: announce an operator's reply, if allowed."""
        openid = conversation.citizen_ref
        if message.role != "operator" or not self.template_id or not openid:
            return
        data = self._data(conversation, message)
        try:
            with session_scope(self.sessions) as db:
                used = rows_changed(db, update(WeChatConsent)
                    .where(_consent_of(openid, self.template_id), WeChatConsent.credits > 0)
                    .values(credits=WeChatConsent.credits - 1))
                if not used:
                    log.info("no subscription consent of %s for message %s", openid, message.id)
                    return
                notice = WeChatNotice(
                    message_id=message.id, openid=openid, template_id=self.template_id, data=data
                )
                db.add(notice)
                db.flush()
                notice_id = notice.id
        except IntegrityError:  # already announced; the consent is not used twice
            return
        self.worker.submit(self.send, notice_id)

    def _data(self, conversation: Conversation, message: Message) -> dict[str, dict[str, str]]:
        with session_scope(self.sessions) as db:
            recent = db.scalars(
                select(Message)
                .where(
                    Message.conversation_id == conversation.id,
                    Message.role == "user",
                    Message.id < message.id,
                )
                .order_by(Message.id.desc())
                .limit(10)
            ).all()
            # The citizen's last typed question, not a button they pressed.
            question = next((m.text for m in recent if not m.payload), "")
        values = {
            "question": _thing(question or "您的咨询"),
            "reply": _thing(message.text),
            "time": message.created_at.astimezone(TZ).strftime("%Y-%m-%d %H:%M"),
        }
        return {keyword: {"value": values[value]} for keyword, value in self.fields}

    def send(self, notice_id: int) -> None:
        """Send one queued notice; every outcome is stored, none is retried by itself."""
        outbox = self.worker.outbox
        if not outbox.claim(WeChatNotice, notice_id):
            return
        with session_scope(self.sessions) as db:
            row = db.get_one(WeChatNotice, notice_id)
            openid, template_id, data = row.openid, row.template_id, dict(row.data)
        try:
            self.worker.client.send_subscribe(openid, template_id, data, self.page, self.state)
        except WeChatError as exc:
            log.warning("subscription message %s to %s failed: %s", notice_id, openid, exc)
            if exc.errcode == NO_CONSENT:  # WeChat knows better: no consent is left
                self._change_credits(openid, template_id, None)
            outbox.fail(WeChatNotice, notice_id, redact(str(exc)), errcode=exc.errcode)
            return
        outbox.done(WeChatNotice, notice_id)

    def resume(self) -> int:
        """Schedule notices left pending by a previous run."""
        pending = self.worker.outbox.pending(WeChatNotice)
        for notice_id in pending:
            self.worker.submit(self.send, notice_id)
        return len(pending)


def _consent_of(openid: str, template_id: str) -> ColumnElement[bool]:
    return (WeChatConsent.openid == openid) & (WeChatConsent.template_id == template_id)


def retryable_failures() -> ColumnElement[bool]:
    """Which failed notices are worth sending again: those not refused by the citizen."""
    return WeChatNotice.errcode.is_(None) | (WeChatNotice.errcode != NO_CONSENT)
