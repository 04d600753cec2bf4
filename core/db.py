"""Database plumbing shared by every process: one declarative base, engines, sessions.

SQLite is the embedded default; PostgreSQL is the production mode. Both go through
the same SQLAlchemy models, so nothing above this module knows which one runs.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, cast

from sqlalchemy import (
    CursorResult,
    DateTime,
    Dialect,
    Engine,
    Executable,
    create_engine,
    event,
    make_url,
)
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator


class Base(DeclarativeBase):
    """Declarative base of every table of the project."""


def utcnow() -> datetime:
    """Timezone-aware now, the only clock models use by default."""
    return datetime.now(timezone.utc)


def as_utc(moment: datetime) -> datetime:
    """``moment`` in UTC; a naive value is taken to be UTC already."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


class UtcDateTime(TypeDecorator[datetime]):
    """A ``DateTime(timezone=True)`` column that holds UTC and always reads back aware UTC.

    PostgreSQL's ``timestamptz`` does this by itself. SQLite keeps no zone: it stores an
    aware value's wall-clock time unconverted and returns naive values. So every value is
    converted to UTC before storing (a naive one is taken to be UTC), and naive results
    are marked UTC. The DDL is ``DateTime(timezone=True)``'s.
    """

    impl = DateTime
    cache_ok = True

    def __init__(self) -> None:
        super().__init__(timezone=True)

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else as_utc(value)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else as_utc(value)


def rows_changed(db: Session, statement: Executable) -> int:
    """Run an UPDATE or DELETE; how many rows it changed (a conditional UPDATE that changed
    none lost the race). ``Session.execute`` is typed as returning a plain ``Result``."""
    return cast(CursorResult[Any], db.execute(statement)).rowcount


def make_engine(url: str) -> Engine:
    """Create an engine tuned for the backend behind ``url``."""
    if url.startswith("sqlite"):
        _private_file(url)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record) -> None:  # pragma: no cover - trivial
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA busy_timeout=30000")
            _wal_mode(cursor)
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


def _wal_mode(cursor: sqlite3.Cursor, patience: float = 120.0) -> None:
    """Switch to write-ahead logging. SQLite answers "database is locked" at once, without
    its busy handler, while another process holds the lock this needs (two processes
    starting on one new file, one of them migrating it), so wait here, bounded."""
    deadline = time.monotonic() + patience
    pause = 0.05
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(pause)
            pause = min(pause * 2, 1.0)


def _private_file(url: str) -> None:
    """Create the SQLite file readable by its owner only (0600): it holds transcripts and
    password hashes. SQLite gives its -wal and -shm files the database file's mode."""
    database = make_url(url).database
    if not database or database == ":memory:":
        return
    path = Path(database)
    path.parent.mkdir(parents=True, exist_ok=True)
    os.close(os.open(path, os.O_CREAT | os.O_RDWR, 0o600))
    path.chmod(0o600)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A unit of work: commit on success, roll back on any error, always close."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
