"""The whole schema: every model module of the project, registered on the one base."""

from __future__ import annotations

from sqlalchemy import Engine

import bot.models  # noqa: F401  (registers the app's tables)
import bot.wechat.models  # noqa: F401
import bot.wechat.replay  # noqa: F401  (wechat_nonces)
import core.organisation  # noqa: F401  (departments)
import knowledge_base.models  # noqa: F401
from core import db


def create_schema(engine: Engine) -> None:
    """Create every table of the project that does not exist yet."""
    db.create_schema(engine)
