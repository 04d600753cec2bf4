"""Login lock-out by account with exponential backoff, persisted in the database.

After ``LOGIN_FREE_ATTEMPTS`` consecutive failures an account takes no password for
``LOGIN_BACKOFF_SECONDS``, doubling with every further failure up to
``LOGIN_BACKOFF_MAX_SECONDS``. Attempts during a lock are refused without a password
check and do not count, so a stranger can slow an account down but not lock it for ever;
a correct password once the wait is over logs in and clears the count. Kept in the
database so a restart does not reset it, and shared by every app process.
"""

from __future__ import annotations

import math
import time

from flask import current_app
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.models import LoginThrottle

MAX_USERNAME = 100  # LoginThrottle.username, User.username


def _key(username: str) -> str:
    return username.strip()[:MAX_USERNAME]


def seconds_locked(db: Session, username: str) -> int:
    """Whole seconds the account must still wait; 0 when a password may be tried."""
    row = db.get(LoginThrottle, _key(username))
    left = row.locked_until - time.time() if row else 0.0
    return math.ceil(left) if left > 0 else 0


def record_failure(db: Session, username: str) -> None:
    """Count one wrong password (the caller commits)."""
    config = current_app.config
    row = db.get(LoginThrottle, _key(username))
    if row is None:
        row = LoginThrottle(username=_key(username), failures=0, locked_until=0.0)
        db.add(row)
        try:
            db.flush()
        except IntegrityError:  # a concurrent failure created it
            db.rollback()
            row = db.get_one(LoginThrottle, _key(username))
    row.failures += 1
    over = row.failures - config["LOGIN_FREE_ATTEMPTS"]
    if over >= 0:
        wait = config["LOGIN_BACKOFF_SECONDS"] * 2 ** min(over, 30)
        row.locked_until = time.time() + min(wait, config["LOGIN_BACKOFF_MAX_SECONDS"])


def clear(db: Session, username: str) -> None:
    row = db.get(LoginThrottle, _key(username))
    if row is not None:
        db.delete(row)
