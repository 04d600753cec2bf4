"""Alembic environment: the models of every area are the target, on the app's database.

``core.migrate`` passes the connection (app start, ``flask db``); the ``alembic`` command
line (writing a revision) opens the database the app's settings name.
"""

from __future__ import annotations

from logging.config import fileConfig

from alembic import context
from sqlalchemy import Connection

import bot.schema  # noqa: F401  (registers every table on the one base)
from core.db import Base, make_engine
from core.migrate import exclusive

# Tables in the app's database that are not the app's: in production Rasa's tracker store
# shares the PostgreSQL database. A revision must never drop them.
FOREIGN_TABLES = {"events"}


def ours(name: str | None, type_: str, _parents: dict[str, str | None]) -> bool:
    return type_ != "table" or name not in FOREIGN_TABLES


def run_migrations(connection: Connection) -> None:
    # Batch mode: SQLite cannot ALTER most things, so Alembic copies the table instead.
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True,
                      include_name=ours)
    with context.begin_transaction():
        context.run_migrations()


config = context.config
if config.attributes.get("connection") is not None:
    run_migrations(config.attributes["connection"])
else:
    from core.settings import Settings

    if config.config_file_name:
        fileConfig(config.config_file_name, disable_existing_loggers=False)
    engine = make_engine(Settings.from_env().database_url)
    with exclusive(engine) as connection:
        run_migrations(connection)
    engine.dispose()
