"""Database plumbing shared by every process: one declarative base, engines, sessions.

SQLite is the embedded default; PostgreSQL is the production mode. Both go through
the same SQLAlchemy models, so nothing above this module knows which one runs.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, cast

from sqlalchemy import (
    CursorResult,
    Engine,
    Executable,
    create_engine,
    event,
    inspect,
    make_url,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker


class Base(DeclarativeBase):
    """Declarative base of every table of the project."""


def utcnow() -> datetime:
    """Timezone-aware now, the only clock models use by default."""
    return datetime.now(timezone.utc)


def as_utc(moment: datetime) -> datetime:
    """``moment`` in UTC. Naive values are UTC already: SQLite returns stored ones naive
    (and stores aware ones without converting, so everything is converted before storing)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


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
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


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


def create_schema(engine: Engine) -> None:
    """Create all tables that do not exist yet, of every model module imported so far
    (``bot.schema.create_schema`` imports them all first)."""
    Base.metadata.create_all(engine)
    _drop_retired_columns(engine)


# Columns earlier versions created that nothing may read any more, by table. An old
# NOT NULL column without a default would make every insert fail, so it is dropped.
RETIRED_COLUMNS = {"departments": ("skip_review",)}  # issue 14: review is never skipped


def _drop_retired_columns(engine: Engine) -> None:
    tables = inspect(engine)
    for table, columns in RETIRED_COLUMNS.items():
        if not tables.has_table(table):
            continue
        present = {column["name"] for column in tables.get_columns(table)}
        with engine.begin() as conn:
            for column in columns:
                if column in present:
                    conn.execute(text(f'ALTER TABLE "{table}" DROP COLUMN "{column}"'))


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
