"""Asynchronous handling of pushed messages and outgoing customer-service messages.

The callback only stores the message (the unique MsgId rejects WeChat's retries) and
returns; a bounded thread pool does the slow part — the chat service, Rasa, the send API.
Every job claims its row with a conditional UPDATE, so a row is worked on once even
when several app processes share the database.
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from flask import Flask
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.models import Conversation, Message
from bot.wechat.client import WeChatClient, WeChatError
from bot.wechat.messages import Inbound, button_for_reply, render_message, split_text
from bot.wechat.models import JobState, WeChatInbound, WeChatOutbound
from knowledge_base.db import session_scope, utcnow

log = logging.getLogger(__name__)

CHANNEL = "wechat"
WELCOME = "您好，我是问政智能客服，可以解答社保、医保、公积金、户籍、居住证、个税等政策和办事问题。请直接输入您的问题；需要人工服务请回复“转人工”。"
TEXT_ONLY = "目前仅支持文字消息，请用文字描述您的问题。"
TOO_LONG = "您的消息太长了，请精简到{limit}字以内再发送。"
# Transcript lines the citizen should receive; "user" is their own, "note" is staff-only.
_PUSHED_ROLES = {"bot", "operator", "system"}


class WeChatWorker:
    def __init__(self, app: Flask, client: WeChatClient, max_workers: int) -> None:
        self.app = app
        self.client = client
        self.sessions = app.extensions["wenzheng.sessions"]
        self.max_workers = max_workers
        self._pool: ThreadPoolExecutor | None = None
        self._pool_lock = threading.Lock()
        # One citizen's messages are answered in order, one at a time.
        self._citizen_locks: weakref.WeakValueDictionary[str, threading.Lock] = (
            weakref.WeakValueDictionary()
        )

    # -- entry points -------------------------------------------------------------------

    def accept(self, inbound: Inbound) -> bool:
        """Store a pushed message and schedule it; False when it is a retry of a stored one."""
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
        self._submit(self.process_inbound, row_id)
        return True

    def send_later(self, conversation: Conversation, message: Message) -> None:
        """The channel sender: queue an operator/system line for the citizen's WeChat."""
        if not conversation.citizen_ref:
            return
        outbound_id = self._store_outbound(message, conversation.citizen_ref)
        if outbound_id is not None:
            self._submit(self.send_outbound, outbound_id)

    def resume(self) -> int:
        """Schedule every pending row (after a restart); returns how many."""
        with session_scope(self.sessions) as db:
            inbound = db.scalars(
                select(WeChatInbound.id).where(WeChatInbound.state == JobState.PENDING)
            ).all()
            outbound = db.scalars(
                select(WeChatOutbound.id).where(WeChatOutbound.state == JobState.PENDING)
            ).all()
        for row_id in inbound:
            self._submit(self.process_inbound, row_id)
        for row_id in outbound:
            self._submit(self.send_outbound, row_id)
        return len(inbound) + len(outbound)

    def shutdown(self, wait: bool = True) -> None:
        with self._pool_lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=wait)

    # -- jobs ---------------------------------------------------------------------------

    def process_inbound(self, inbound_id: int) -> None:
        """Answer one pushed message: chat service first, then the send API, in order."""
        with self.app.app_context():
            if not self._claim(WeChatInbound, inbound_id):
                return
            with session_scope(self.sessions) as db:
                row = db.get(WeChatInbound, inbound_id)
                openid, msg_type, content, event = row.openid, row.msg_type, row.content, row.event
            with self._citizen_lock(openid):
                try:
                    outbound_ids = self._respond(openid, msg_type, content, event)
                except Exception as exc:
                    log.exception("WeChat message %s failed", inbound_id)
                    self._finish(WeChatInbound, inbound_id, JobState.FAILED, repr(exc))
                    return
                self._finish(WeChatInbound, inbound_id, JobState.DONE)
                for outbound_id in outbound_ids:
                    self.send_outbound(outbound_id)

    def send_outbound(self, outbound_id: int) -> None:
        """Send the remaining parts of one line; failures are recorded for a later retry."""
        if not self._claim(WeChatOutbound, outbound_id):
            return
        with session_scope(self.sessions) as db:
            row = db.get(WeChatOutbound, outbound_id)
            row.attempts += 1
            openid, parts, sent = row.openid, list(row.parts), row.sent_parts
        try:
            for index in range(sent, len(parts)):
                self.client.send_text(openid, parts[index])
                with session_scope(self.sessions) as db:
                    db.get(WeChatOutbound, outbound_id).sent_parts = index + 1
        except WeChatError as exc:
            log.warning("WeChat send %s failed: %s", outbound_id, exc)
            self._finish(WeChatOutbound, outbound_id, JobState.FAILED, str(exc))
            return
        self._finish(WeChatOutbound, outbound_id, JobState.DONE)

    # -- helpers ------------------------------------------------------------------------

    def _respond(self, openid: str, msg_type: str, content: str, event: str) -> list[int]:
        """Run the message through the chat service; the ids of the lines to send."""
        from bot.chat import service, transcript

        with session_scope(self.sessions) as db:
            conversation = service.get_or_create_conversation(
                db, channel=CHANNEL, citizen_ref=openid
            )
            replies: list[Message] = []
            if msg_type == "event":
                if event == "user_enter_tempsession":
                    replies = [transcript.append_message(db, conversation, "bot", WELCOME)]
            elif msg_type != "text":
                replies = [transcript.append_message(db, conversation, "bot", TEXT_ONLY)]
            elif len(content.strip()) > self.app.config["MAX_QUERY_CHARS"]:
                notice = TOO_LONG.format(limit=self.app.config["MAX_QUERY_CHARS"])
                replies = [transcript.append_message(db, conversation, "bot", notice)]
            elif content.strip():
                text = self._resolve_choice(db, conversation, content.strip())
                replies = service.handle_citizen_text(db, conversation, text)
            db.commit()
            pushed = [m for m in replies if m.role in _PUSHED_ROLES]
        ids = [self._store_outbound(m, openid) for m in pushed]
        return [i for i in ids if i is not None]

    def _resolve_choice(self, db: Session, conversation: Conversation, text: str) -> str:
        """A bare number picks that button of the last bot line; anything else is itself."""
        last_bot = db.scalars(
            select(Message)
            .where(Message.conversation_id == conversation.id, Message.role == "bot")
            .order_by(Message.id.desc())
            .limit(1)
        ).first()
        button = button_for_reply(text, last_bot.payload if last_bot else None)
        return str(button.get("payload") or button.get("title")) if button else text

    def _store_outbound(self, message: Message, openid: str) -> int | None:
        """Queue ``message`` once; None when it is already queued (or sent)."""
        parts = split_text(render_message(message.text, message.payload))
        if not parts:
            return None
        try:
            with session_scope(self.sessions) as db:
                row = WeChatOutbound(message_id=message.id, openid=openid, parts=parts)
                db.add(row)
                db.flush()
                return row.id
        except IntegrityError:
            return None

    def _claim(self, model: type[WeChatInbound] | type[WeChatOutbound], row_id: int) -> bool:
        with session_scope(self.sessions) as db:
            result = db.execute(
                update(model)
                .where(model.id == row_id, model.state == JobState.PENDING)
                .values(state=JobState.WORKING)
            )
            return result.rowcount == 1

    def _finish(
        self,
        model: type[WeChatInbound] | type[WeChatOutbound],
        row_id: int,
        state: JobState,
        error: str | None = None,
    ) -> None:
        done_at: dict[str, Any] = (
            {"processed_at": utcnow()} if model is WeChatInbound else {"sent_at": utcnow()}
        )
        with session_scope(self.sessions) as db:
            db.execute(
                update(model)
                .where(model.id == row_id)
                .values(state=state, error=error, **(done_at if state == JobState.DONE else {}))
            )

    def _citizen_lock(self, openid: str) -> threading.Lock:
        with self._pool_lock:
            lock = self._citizen_locks.get(openid)
            if lock is None:
                lock = self._citizen_locks[openid] = threading.Lock()
            return lock

    def _submit(self, job: Callable[[int], None], row_id: int) -> None:
        with self._pool_lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self.max_workers, thread_name_prefix="wechat")
                # First job since start: also pick up what a previous run left pending.
                self._pool.submit(self._run, self.resume)
            pool = self._pool
        pool.submit(self._run, job, row_id)

    def _run(self, job: Callable[..., object], *args: int) -> None:
        try:
            job(*args)
        except Exception:  # a worker thread has nobody to raise to
            log.exception("WeChat job %s%s crashed", getattr(job, "__name__", job), args)
