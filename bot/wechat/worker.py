"""Asynchronous handling of pushed messages and outgoing customer-service messages.

The callback only stores the message (the unique MsgId rejects WeChat's retries) and
returns; a bounded thread pool does the slow part: the chat service, Rasa, the send API.
Every row is a job of the one outbox (``core.outbox``), claimed so that a row is worked
on once even when several app processes share the database. Each citizen's lines go out
in transcript order, one citizen at a time per process.
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections.abc import Callable

from flask import Flask
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.models import Conversation, Message
from bot.redaction import redact
from bot.wechat.client import WeChatClient, WeChatError
from bot.wechat.messages import Inbound, button_for_reply, render_message, split_text
from bot.wechat.models import WeChatInbound, WeChatOutbound
from core.db import session_scope
from core.outbox import JobPool, JobState, Outbox

log = logging.getLogger(__name__)

CHANNEL = "wechat"
WELCOME = (
    "您好，我是问政智能客服，可以解答社保、医保、公积金、户籍、居住证、个税等政策和办事问题。"
    "请直接输入您的问题；需要人工服务请回复“转人工”。"
)
TEXT_ONLY = "目前仅支持文字消息，请用文字描述您的问题。"
TOO_LONG = "您的消息太长了，请精简到{limit}字以内再发送。"
# Transcript lines the citizen receives; "user" is their own, "note" is staff-only.
PUSHED_ROLES = ("bot", "operator", "system")


class WeChatWorker:
    def __init__(self, app: Flask, client: WeChatClient, outbox: Outbox, max_workers: int) -> None:
        self.app = app
        self.client = client
        self.outbox = outbox
        self.sessions = outbox.sessions
        self.pool = JobPool(max_workers, "wechat")
        self._lock = threading.Lock()
        self._resumed = False
        self._citizen_locks: weakref.WeakValueDictionary[str, threading.RLock] = (
            weakref.WeakValueDictionary()
        )
        # Other queues on this pool (subscription messages): each schedules its pending rows.
        self.resumers: list[Callable[[], int]] = []

    # -- entry points -------------------------------------------------------------------

    def accept(self, inbound: Inbound) -> bool:
        """Store a pushed message and schedule it; False when it repeats a stored one."""
        try:
            with session_scope(self.sessions) as db:
                row = WeChatInbound(
                    msg_key=inbound["key"],
                    openid=inbound["openid"],
                    msg_type=inbound["msg_type"],
                    content=inbound["content"],
                    event=inbound["event"][:64],
                )
                db.add(row)
                db.flush()
                row_id = row.id
        except IntegrityError:
            return False
        self.submit(self.process_inbound, row_id)
        self._resume_once()
        return True

    def send_later(self, conversation: Conversation, message: Message) -> None:
        """The channel sender: queue an operator/system line for the citizen's WeChat."""
        if conversation.citizen_ref and self._store_outbound(message, conversation.citizen_ref):
            self.submit(self.flush, conversation.citizen_ref)

    def resume(self) -> int:
        """Schedule everything left pending (after a restart); returns the number of jobs."""
        self._resumed = True
        inbound = self.outbox.pending(WeChatInbound)
        with session_scope(self.sessions) as db:
            openids = db.scalars(
                select(WeChatOutbound.openid)
                .where(WeChatOutbound.state == JobState.PENDING)
                .distinct()
            ).all()
        for row_id in inbound:
            self.submit(self.process_inbound, row_id)
        for openid in openids:
            self.submit(self.flush, openid)
        return len(inbound) + len(openids) + sum(resume() for resume in self.resumers)

    def shutdown(self, wait: bool = True) -> None:
        self.pool.shutdown(wait=wait)

    # -- jobs ---------------------------------------------------------------------------

    def process_inbound(self, inbound_id: int) -> None:
        """Answer one pushed message through the chat service, then send the answer."""
        if not self.outbox.claim(WeChatInbound, inbound_id):
            return
        with session_scope(self.sessions) as db:
            row = db.get_one(WeChatInbound, inbound_id)
            openid, msg_type, content, event = row.openid, row.msg_type, row.content, row.event
        with self._citizen_lock(openid), self.app.app_context():
            try:
                self._respond(openid, msg_type, content, event)
            except Exception as exc:
                log.exception("WeChat message %s failed", inbound_id)
                self.outbox.fail(WeChatInbound, inbound_id, redact(repr(exc)))
                return
            self.outbox.done(WeChatInbound, inbound_id)
            self.flush(openid)

    def flush(self, openid: str) -> None:
        """Send the citizen's pending lines, oldest first; failures are kept for a retry."""
        with self._citizen_lock(openid):
            while (
                row_id := self.outbox.claim_next(
                    WeChatOutbound,
                    WeChatOutbound.openid == openid,
                    order_by=WeChatOutbound.message_id,
                )
            ) is not None:
                self._send(row_id)

    # -- helpers ------------------------------------------------------------------------

    def _respond(self, openid: str, msg_type: str, content: str, event: str) -> None:
        """Run the message through the chat service and queue what the citizen should see."""
        from bot.chat import service, transcript

        text = content.strip()
        limit = self.app.config["MAX_QUERY_CHARS"]
        with session_scope(self.sessions) as db:
            conversation = service.get_or_create_conversation(
                db, channel=CHANNEL, citizen_ref=openid
            )
            if msg_type == "text" and len(text) > limit:
                line = service.append_message(
                    db, conversation, "bot", TOO_LONG.format(limit=limit)
                )
                replies = [line]
            elif msg_type == "text" and text:
                line = service.record_citizen_text(
                    db, conversation, self._resolve_choice(db, conversation, text)
                )
                service.reply_to(db, conversation, line)
                # Like the web page: the replies, and any notice stored meanwhile.
                replies = transcript.citizen_messages_after(db, conversation.id, line.id)
            elif msg_type == "event" and event == "user_enter_tempsession":
                replies = [service.append_message(db, conversation, "bot", WELCOME)]
            elif msg_type not in ("text", "event"):
                replies = [service.append_message(db, conversation, "bot", TEXT_ONLY)]
            else:
                replies = []
            for message in replies:
                if message.role in PUSHED_ROLES:
                    self._store_outbound(message, openid)

    def _resolve_choice(self, db: Session, conversation: Conversation, text: str) -> str:
        """A bare number picks that button of the last line we sent; anything else is itself."""
        last = db.scalars(
            select(Message)
            .where(Message.conversation_id == conversation.id, Message.role.in_(PUSHED_ROLES))
            .order_by(Message.id.desc())
            .limit(1)
        ).first()
        button = button_for_reply(text, last.payload if last else None)
        return str(button.get("payload") or button.get("title")) if button else text

    def _store_outbound(self, message: Message, openid: str) -> bool:
        """Queue ``message`` once; False when it is already queued (or sent) or empty."""
        parts = split_text(render_message(message.text, message.payload))
        if not parts:
            return False
        try:
            with session_scope(self.sessions) as db:
                db.add(WeChatOutbound(message_id=message.id, openid=openid, parts=parts))
        except IntegrityError:
            return False
        return True

    def _send(self, outbound_id: int) -> None:
        """Send the parts not sent yet, recording progress so a retry never repeats one."""
        with session_scope(self.sessions) as db:
            row = db.get_one(WeChatOutbound, outbound_id)
            openid, parts, sent = row.openid, list(row.parts), row.sent_parts
        try:
            for index in range(sent, len(parts)):
                self.client.send_text(openid, parts[index])
                with session_scope(self.sessions) as db:
                    db.get_one(WeChatOutbound, outbound_id).sent_parts = index + 1
        except WeChatError as exc:
            log.warning("WeChat send %s failed: %s", outbound_id, exc)
            self.outbox.fail(WeChatOutbound, outbound_id, redact(str(exc)))
            return
        self.outbox.done(WeChatOutbound, outbound_id)

    def _citizen_lock(self, openid: str) -> threading.RLock:
        with self._lock:
            lock = self._citizen_locks.get(openid)
            if lock is None:
                lock = self._citizen_locks[openid] = threading.RLock()
            return lock

    def _resume_once(self) -> None:
        """The first push since start also picks up what a previous run left pending."""
        with self._lock:
            if self._resumed:
                return
            self._resumed = True
        self.submit(self.resume)

    def submit(self, job: Callable[..., object], *args: int | str) -> None:
        self.pool.submit(job, *args)
