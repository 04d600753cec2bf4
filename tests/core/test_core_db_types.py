"""``UtcDateTime``: aware UTC in, aware UTC out, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import (
    Column,
    DateTime,
    Engine,
    Integer,
    MetaData,
    Table,
    insert,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.schema import CreateTable

from core.db import UtcDateTime, make_engine

BEIJING = timezone(timedelta(hours=8))
METADATA = MetaData()
MOMENTS = Table("moments", METADATA, Column("id", Integer, primary_key=True),
                Column("at", UtcDateTime()))


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    METADATA.create_all(engine)
    yield engine
    engine.dispose()


def _store(engine: Engine, *moments: datetime | None) -> list[datetime | None]:
    with engine.begin() as conn:
        for number, moment in enumerate(moments, start=1):
            conn.execute(insert(MOMENTS).values(id=number, at=moment))
    with engine.connect() as conn:
        return list(conn.scalars(select(MOMENTS.c.at).order_by(MOMENTS.c.id)))


def test_aware_values_come_back_as_the_same_instant_in_utc(engine):
    moment = datetime(2026, 3, 1, 9, 30, tzinfo=BEIJING)
    [back] = _store(engine, moment)
    assert back == moment and back.utcoffset() == timedelta(0)
    assert (back.hour, back.minute) == (1, 30)


def test_naive_values_are_taken_as_utc_and_none_stays_none(engine):
    back = _store(engine, datetime(2026, 3, 1, 9, 30), None)
    assert back == [datetime(2026, 3, 1, 9, 30, tzinfo=timezone.utc), None]


def test_comparisons_in_queries_use_the_instant_not_the_wall_clock(engine):
    """01:30 UTC is after 09:00 Beijing time (01:00 UTC), though 01:30 < 09:00 on a clock."""
    _store(engine, datetime(2026, 3, 1, 1, 30, tzinfo=timezone.utc))
    with engine.connect() as conn:
        later = conn.scalars(select(MOMENTS.c.id).where(
            MOMENTS.c.at > datetime(2026, 3, 1, 9, 0, tzinfo=BEIJING))).all()
    assert later == [1]


def test_sqlite_stores_utc_wall_clock_time(tmp_path):
    """What other readers of the file (backups, sqlite3) see is UTC, not the writer's zone."""
    engine = make_engine(f"sqlite:///{tmp_path / 'raw.db'}")
    METADATA.create_all(engine)
    _store(engine, datetime(2026, 3, 1, 9, 30, tzinfo=BEIJING))
    raw = Table("moments", MetaData(), Column("id", Integer), Column("at", DateTime()))
    with engine.connect() as conn:
        assert conn.scalar(select(raw.c.at)) == datetime(2026, 3, 1, 1, 30)
    engine.dispose()


@pytest.mark.parametrize("dialect", [sqlite.dialect(), postgresql.dialect()], ids=["sqlite", "postgres"])
def test_the_column_type_in_the_schema_is_that_of_datetime_with_time_zone(dialect):
    """Swapping the type needs no migration: the DDL is unchanged."""
    plain = Table("moments", MetaData(), Column("id", Integer, primary_key=True),
                  Column("at", DateTime(timezone=True)))
    assert str(CreateTable(MOMENTS).compile(dialect=dialect)) == \
        str(CreateTable(plain).compile(dialect=dialect))


def test_every_datetime_column_of_the_schema_is_utc_aware():
    import bot.schema  # noqa: F401  (registers every table)
    from core.db import Base

    columns = [c for t in Base.metadata.tables.values() for c in t.columns
               if isinstance(c.type, DateTime | UtcDateTime)]
    assert columns and all(isinstance(c.type, UtcDateTime) for c in columns), \
        [f"{c.table.name}.{c.name}" for c in columns if not isinstance(c.type, UtcDateTime)]

