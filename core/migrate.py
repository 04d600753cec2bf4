"""Schema migrations: every process brings the database to the newest revision on start.

The revisions live in ``migrations/`` (Alembic: a well-kept library that diffs models
against the database and rewrites SQLite tables for the ALTERs SQLite lacks). ``upgrade``
covers every database a release meets: an empty one gets the whole schema, one created
before migrations existed (no ``alembic_version``) is adopted by the baseline revision,
a versioned one gets the revisions it has not seen. Processes starting together take
turns (a PostgreSQL advisory lock, SQLite's write lock); at head it is one query.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, text

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
# Key of the PostgreSQL advisory lock held while upgrading ("wenzheng" as an integer).
LOCK_KEY = int.from_bytes(b"wenzheng", "big") >> 1


class ForeignKeyViolation(RuntimeError):
    """A migration left rows pointing at rows that do not exist; nothing was committed."""


def config(connection: Connection | None = None) -> Config:
    """Alembic's configuration for ``migrations/``, on ``connection`` when given."""
    settings = Config()
    settings.set_main_option("script_location", str(MIGRATIONS))
    settings.attributes["connection"] = connection
    return settings


@cache
def head() -> str:
    """The newest revision (read once per process: revisions do not change while it runs)."""
    newest = ScriptDirectory.from_config(config()).get_current_head()
    if newest is None:
        raise RuntimeError(f"no revision in {MIGRATIONS}")
    return newest


def current(connection: Connection) -> str | None:
    """The database's revision; None when it has none (empty, or older than migrations)."""
    return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine) -> None:
    """Bring the database behind ``engine`` to the newest revision."""
    with engine.connect() as connection:
        if current(connection) == head():
            return
    with exclusive(engine) as connection:
        command.upgrade(config(connection), "head")  # nothing to do if another process did it


@contextmanager
def exclusive(engine: Engine) -> Iterator[Connection]:
    """A connection in a transaction that no other process's migration runs beside,
    committed when the block ends without error."""
    with engine.connect() as connection:
        if connection.dialect.name != "sqlite":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
            yield connection
            connection.commit()
            return
        # A SQLite ALTER rewrites the table (copy, drop, rename): with foreign keys on,
        # dropping the old table would delete or reject the rows that refer to it. The
        # pragma only takes effect outside a transaction; the check below replaces it.
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")  # the write lock; waits busy_timeout
            broken_before = _broken_references(connection)
            yield connection
            broken = _broken_references(connection) - broken_before
            if broken:
                raise ForeignKeyViolation(f"rows referring to missing rows: {list(broken)[:5]}")
            connection.commit()
        finally:
            connection.rollback()
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")


def _broken_references(connection: Connection) -> set[tuple[object, ...]]:
    """(table, rowid, referred table, key) of each SQLite row whose reference is dangling."""
    return {tuple(row) for row in connection.exec_driver_sql("PRAGMA foreign_key_check")}
