"""Per-request database sessions for Flask views."""

from __future__ import annotations

from flask import current_app, g
from sqlalchemy.orm import Session, sessionmaker


def session_factory() -> sessionmaker[Session]:
    return current_app.extensions["wenzheng.sessions"]


def get_db() -> Session:
    """The request's session, opened on first use and closed at teardown."""
    if "db" not in g:
        g.db = session_factory()()
    return g.db


def close_db(_exc: BaseException | None = None) -> None:
    db = g.pop("db", None)
    if db is not None:
        db.close()
