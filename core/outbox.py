"""The one durable outbox: work that must happen after a commit, kept as table rows.

A job is a row with ``state`` (pending → working → done / failed), ``attempts``,
``error`` and ``finished_at``. Tables that retry by themselves also have ``not_before``:
the backoff of a pending row, and the lease of a working one (a worker that died
mid-job leaves a row that is claimed again once its lease ends). Rows are written in the
same transaction as the change that needs them, so a crash or restart loses nothing.

A row is claimed with ``SELECT … FOR UPDATE SKIP LOCKED`` (PostgreSQL: concurrent
claimers skip each other's rows instead of waiting) followed by a conditional
``UPDATE … WHERE state = 'pending'`` (SQLite ignores the row lock; the condition alone
makes sure one claimer wins), so several processes sharing the database never run one
job twice. WeChat pushes (``bot.wechat``) and Rasa resumes (``bot.handoff.rasa``) use it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.orm import Session, sessionmaker

from core.db import rows_changed, session_scope, utcnow

log = logging.getLogger(__name__)

# Retries of self-retrying jobs wait 30 s, 1 min, 2 min ... at most an hour.
BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_MAX = timedelta(hours=1)
# A working row whose worker did not finish it within this time is claimed again.
LEASE = timedelta(minutes=5)


class JobState(StrEnum):
    PENDING = "pending"
    WORKING = "working"
    DONE = "done"
    FAILED = "failed"


def backoff(attempts: int) -> timedelta:
    """How long a job that failed ``attempts`` times waits before its next attempt."""
    return min(BACKOFF_BASE * 2 ** max(attempts - 1, 0), BACKOFF_MAX)


class Outbox:
    """Claims and finishes job rows of any job table (see the module docstring)."""

    def __init__(
        self, sessions: sessionmaker[Session], clock: Callable[[], datetime] = utcnow
    ) -> None:
        self.sessions = sessions
        self.clock = clock

    def claim(self, model: Any, row_id: int) -> bool:
        """Move one claimable row to working; False when another claimer got it."""
        with session_scope(self.sessions) as db:
            return self._claim(db, model, row_id)

    def claim_next(
        self, model: Any, *where: ColumnElement[bool], order_by: Any = None
    ) -> int | None:
        """Claim the first claimable row matching ``where``; None when there is none."""
        query = select(model.id).where(self._claimable(model), *where)
        query = query.order_by(order_by if order_by is not None else model.id).limit(1)
        while True:
            with session_scope(self.sessions) as db:
                row_id = db.scalar(query.with_for_update(skip_locked=True))
                if row_id is None or self._claim(db, model, row_id):
                    return row_id

    def pending(self, model: Any, *where: ColumnElement[bool]) -> list[int]:
        """Ids of the pending rows (due or not), oldest first: what a restart picks up."""
        with session_scope(self.sessions) as db:
            query = select(model.id).where(model.state == JobState.PENDING, *where)
            return list(db.scalars(query.order_by(model.id)))

    def done(self, model: Any, row_id: int, **values: object) -> None:
        self._finish(model, row_id, JobState.DONE, None, **values)

    def fail(
        self,
        model: Any,
        row_id: int,
        error: str,
        retry_after: timedelta | None = None,
        **values: object,
    ) -> None:
        """Record a failed attempt: pending again after ``retry_after``, else failed for good.

        ``error`` is stored as given: callers redact secrets (tokens in URLs) first."""
        if retry_after is None:
            self._finish(model, row_id, JobState.FAILED, error, **values)
            return
        with session_scope(self.sessions) as db:
            rows_changed(db, update(model)
                .where(model.id == row_id)
                .values(
                    state=JobState.PENDING,
                    error=error,
                    not_before=self.clock() + retry_after,
                    **values,
                )
            )

    def retry_failed(self, model: Any, *where: ColumnElement[bool]) -> int:
        """Make failed rows (matching ``where``) pending again; returns how many."""
        with session_scope(self.sessions) as db:
            return rows_changed(
                db,
                update(model)
                .where(model.state == JobState.FAILED, *where)
                .values(state=JobState.PENDING),
            )

    # -- helpers ------------------------------------------------------------------------

    def _claimable(self, model: Any) -> ColumnElement[bool]:
        """Pending rows; with ``not_before``: pending ones whose backoff ended, and working
        ones whose lease ended."""
        pending = model.state == JobState.PENDING
        if not hasattr(model, "not_before"):
            return pending
        now = self.clock()
        due = model.not_before.is_(None) | (model.not_before <= now)
        abandoned = (model.state == JobState.WORKING) & (model.not_before <= now)
        return (pending & due) | abandoned

    def _claim(self, db: Session, model: Any, row_id: int) -> bool:
        values: dict[str, Any] = {"state": JobState.WORKING}
        if hasattr(model, "attempts"):
            values["attempts"] = model.attempts + 1
        if hasattr(model, "not_before"):
            values["not_before"] = self.clock() + LEASE
        claimed = update(model).where(model.id == row_id, self._claimable(model)).values(**values)
        return rows_changed(db, claimed) == 1

    def _finish(
        self, model: Any, row_id: int, state: JobState, error: str | None, **values: object
    ) -> None:
        with session_scope(self.sessions) as db:
            db.execute(
                update(model)
                .where(model.id == row_id)
                .values(
                    state=state,
                    error=error,
                    finished_at=self.clock(),
                    **values,
                )
            )


class JobPool:
    """A bounded thread pool for jobs, started on first use; a crashed job is logged."""

    def __init__(self, max_workers: int, name: str) -> None:
        self.max_workers = max_workers
        self.name = name
        self._pool: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()

    def submit(self, job: Callable[..., object], *args: int | str) -> None:
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self.max_workers, thread_name_prefix=self.name)
            pool = self._pool
        pool.submit(self._run, job, *args)

    def shutdown(self, wait: bool = True) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=wait)

    def _run(self, job: Callable[..., object], *args: int | str) -> None:
        try:
            job(*args)
        except Exception:  # a worker thread has nobody to raise to
            log.exception("%s job %s%s crashed", self.name, getattr(job, "__name__", job), args)
