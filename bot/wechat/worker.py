"""Asynchronous handling of pushed messages and outgoing customer-service messages.

The callback only stores the message (the unique MsgId rejects WeChat's retries) and
returns; a bounded thread pool does the slow part: the chat service, Rasa, the send API.
Jobs claim their row with a conditional UPDATE, so a row is worked on once even when
several app processes share the database. Each citizen's lines go out in transcript
order, one citizen at a time per process.
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from flask import Flask
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.models import Conversation, Message
from bot.redaction import redact
from bot.wechat.client import WeChatClient, WeChatError
from bot.wechat.messages import Inbound, button_for_reply, render_message, split_text
from bot.wechat.models import JobState, WeChatInbound, WeChatNotice, WeChatOutbound
from core.db import rows_changed, session_scope, utcnow

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
# The queue tables whose rows jobs claim and finish.
Job = WeChatInbound | WeChatOutbound | WeChatNotice


class WeChatWorker:
    def __init__(self, app: Flask, client: WeChatClient, max_workers: int) -> None:
        self.app = app
        self.client = client
        self.sessions = app.extensions["wenzheng.sessions"]
        self.max_workers = max_workers
        self._pool: ThreadPoolExecutor | None = None
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
        with session_scope(self.sessions) as db:
            inbound = db.scalars(
                select(WeChatInbound.id).where(WeChatInbound.state == JobState.PENDING)
            ).all()
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
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=wait)

    # -- jobs ---------------------------------------------------------------------------

    def process_inbound(self, inbound_id: int) -> None:
        """Answer one pushed message through the chat service, then send the answer."""
        if not self.claim(WeChatInbound, inbound_id):
            return
        with session_scope(self.sessions) as db:
            row = db.get_one(WeChatInbound, inbound_id)
            openid, msg_type, content, event = row.openid, row.msg_type, row.content, row.event
        with self._citizen_lock(openid), self.app.app_context():
            try:
                self._respond(openid, msg_type, content, event)
            except Exception as exc:
                log.exception("WeChat message %s failed", inbound_id)
                self.finish(WeChatInbound, inbound_id, JobState.FAILED, repr(exc))
                return
            self.finish(WeChatInbound, inbound_id, JobState.DONE)
            self.flush(openid)

    def flush(self, openid: str) -> None:
        """Send the citizen's pending lines, oldest first; failures are kept for a retry."""
        with self._citizen_lock(openid):
            while (row_id := self._next_outbound(openid)) is not None:
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
                line = transcript.append_message(
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
                replies = [transcript.append_message(db, conversation, "bot", WELCOME)]
            elif msg_type not in ("text", "event"):
                replies = [transcript.append_message(db, conversation, "bot", TEXT_ONLY)]
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

    def _next_outbound(self, openid: str) -> int | None:
        """Claim the oldest pending line of ``openid``."""
        while True:
            with session_scope(self.sessions) as db:
                row_id = db.scalar(
                    select(WeChatOutbound.id)
                    .where(
                        WeChatOutbound.openid == openid,
                        WeChatOutbound.state == JobState.PENDING,
                    )
                    .order_by(WeChatOutbound.message_id)
                    .limit(1)
                )
            if row_id is None or self.claim(WeChatOutbound, row_id):
                return row_id

    def _send(self, outbound_id: int) -> None:
        """Send the parts not sent yet, recording progress so a retry never repeats one."""
        with session_scope(self.sessions) as db:
            row = db.get_one(WeChatOutbound, outbound_id)
            row.attempts += 1
            openid, parts, sent = row.openid, list(row.parts), row.sent_parts
        try:
            for index in range(sent, len(parts)):
                self.client.send_text(openid, parts[index])
                with session_scope(self.sessions) as db:
                    db.get_one(WeChatOutbound, outbound_id).sent_parts = index + 1
        except WeChatError as exc:
            log.warning("WeChat send %s failed: %s", outbound_id, exc)
            self.finish(WeChatOutbound, outbound_id, JobState.FAILED, str(exc))
            return
        self.finish(WeChatOutbound, outbound_id, JobState.DONE)

    def claim(self, model: type[Job], row_id: int) -> bool:
        """Move a pending row to working; False when another job got it first."""
        with session_scope(self.sessions) as db:
            return rows_changed(
                db,
                update(model)
                .where(model.id == row_id, model.state == JobState.PENDING)
                .values(state=JobState.WORKING),
            ) == 1

    def finish(
        self,
        model: type[Job],
        row_id: int,
        state: JobState,
        error: str | None = None,
        **values: object,
    ) -> None:
        with session_scope(self.sessions) as db:
            db.execute(
                update(model)
                .where(model.id == row_id)
                .values(state=state, error=redact(error) if error else None,
                        finished_at=utcnow(), **values)
            )

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
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self.max_workers, thread_name_prefix="wechat")
            pool = self._pool
        pool.submit(self._run, job, *args)

    @staticmethod
    def _run(job: Callable[..., object], *args: int | str) -> None:
        try:
            job(*args)
        except Exception:  # a worker thread has nobody to raise to
            log.exception("WeChat job %s%s crashed", getattr(job, "__name__", job), args)
