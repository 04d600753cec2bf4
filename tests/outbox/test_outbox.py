"""The one durable outbox (core.outbox) on the real databases: jobs survive a restart,
and several workers sharing the database never run one job twice."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import Engine, select

from bot.models import Conversation, Handoff, PendingResume
from bot.wechat.models import WeChatOutbound
from core.db import make_engine, make_session_factory, session_scope, utcnow
from core.migrate import upgrade
from core.outbox import LEASE, JobState, Outbox, backoff


def _outbox(engine: Engine, **kwargs) -> Outbox:
    return Outbox(make_session_factory(engine), **kwargs)


def _queue(engine: Engine, count: int, openid: str = "o-1") -> list[int]:
    with session_scope(make_session_factory(engine)) as db:
        rows = [WeChatOutbound(message_id=n, openid=openid, parts=[f"第{n}条"]) for n in range(count)]
        db.add_all(rows)
        db.flush()
        return [row.id for row in rows]


@pytest.fixture
def engine(database_url: str):
    engine = make_engine(database_url)
    upgrade(engine)
    yield engine
    engine.dispose()


def _resume_job(engine: Engine, session_id: str) -> int:
    with session_scope(make_session_factory(engine)) as db:
        handoff = Handoff(conversation=Conversation(session_id=session_id), reason="user_request")
        db.add(handoff)
        db.flush()
        job = PendingResume(session_id=session_id, handoff_id=handoff.id)
        db.add(job)
        db.flush()
        return job.id


def _in(minutes: float):
    return lambda: utcnow() + timedelta(minutes=minutes)


def test_queued_jobs_survive_a_restart(database_url, engine):
    first, second = _queue(engine, 2)
    engine.dispose()  # the process ends before any job ran

    restarted = make_engine(database_url)  # a new process: nothing but the database is left
    try:
        outbox = _outbox(restarted)
        assert outbox.pending(WeChatOutbound) == [first, second]
        assert outbox.claim_next(WeChatOutbound) == first
        outbox.done(WeChatOutbound, first)
        assert outbox.claim_next(WeChatOutbound) == second
        # A failure without a retry stays failed until someone retries it (`wechat retry`).
        outbox.fail(WeChatOutbound, second, "errcode 45015")
        assert outbox.claim_next(WeChatOutbound) is None
        assert outbox.retry_failed(WeChatOutbound) == 1
        assert outbox.claim_next(WeChatOutbound) == second
        with session_scope(outbox.sessions) as db:
            done = db.get(WeChatOutbound, first)
            assert (done.state, done.attempts, done.finished_at is not None) == (
                JobState.DONE, 1, True
            )
            assert db.get(WeChatOutbound, second).attempts == 2
    finally:
        restarted.dispose()


def test_a_job_whose_worker_died_runs_again_after_its_lease(database_url, engine):
    job = _resume_job(engine, "s-crash")
    assert _outbox(engine).claim_next(PendingResume) == job
    engine.dispose()  # the worker dies mid-job: the row stays "working"

    restarted = make_engine(database_url)
    try:
        assert _outbox(restarted).claim_next(PendingResume) is None  # maybe still running
        assert _outbox(restarted, clock=_in(LEASE.total_seconds() / 60 + 1)).claim_next(
            PendingResume
        ) == job
    finally:
        restarted.dispose()


def test_a_failed_job_waits_for_its_backoff(engine):
    job = _resume_job(engine, "s-backoff")
    outbox = _outbox(engine)
    assert outbox.claim_next(PendingResume) == job
    outbox.fail(PendingResume, job, "connection refused", retry_after=backoff(1))
    assert outbox.claim_next(PendingResume) is None
    assert _outbox(engine, clock=_in(0.4)).claim_next(PendingResume) is None
    assert _outbox(engine, clock=_in(0.6)).claim_next(PendingResume) == job
    assert [backoff(n).total_seconds() for n in (1, 2, 3, 20)] == [30, 60, 120, 3600]


@pytest.mark.postgres
def test_two_workers_never_run_one_job_on_postgresql(postgres_url):
    setup = make_engine(postgres_url)
    upgrade(setup)
    jobs = set(_queue(setup, 200))
    runs: dict[int, list[int]] = {0: [], 1: [], 2: [], 3: []}
    start = threading.Barrier(len(runs))

    def work(worker: int) -> None:
        engine = make_engine(postgres_url)  # each worker is its own "process": own pool
        outbox = _outbox(engine)
        start.wait()
        while (job := outbox.claim_next(WeChatOutbound, order_by=WeChatOutbound.message_id)):
            runs[worker].append(job)
            outbox.done(WeChatOutbound, job)
        engine.dispose()

    threads = [threading.Thread(target=work, args=(n,)) for n in runs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    ran = [job for claimed in runs.values() for job in claimed]
    assert sorted(ran) == sorted(jobs)  # every job ran, none twice
    assert sum(1 for claimed in runs.values() if claimed) > 1  # the work was really shared
    with setup.connect() as conn:
        attempts = conn.execute(select(WeChatOutbound.attempts)).scalars().all()
    assert set(attempts) == {1}
    setup.dispose()


@pytest.mark.postgres
def test_a_claimer_skips_a_row_another_transaction_holds(postgres_url):
    setup = make_engine(postgres_url)
    upgrade(setup)
    first, second = _queue(setup, 2)
    held = make_session_factory(setup)()
    try:
        # Another worker is in the middle of claiming the first row.
        held.execute(
            select(WeChatOutbound.id).where(WeChatOutbound.id == first).with_for_update()
        ).all()
        assert _outbox(setup).claim_next(WeChatOutbound) == second  # no waiting, no double
    finally:
        held.rollback()
        held.close()
    assert _outbox(setup).claim_next(WeChatOutbound) == first
    setup.dispose()
