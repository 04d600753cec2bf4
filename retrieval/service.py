"""The answer engine an app instance holds (being written: see docs/architecture.md)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session, sessionmaker


class RetrievalService:
    def __init__(self, config: dict[str, Any], sessions: sessionmaker[Session]) -> None:
        self.config = config
        self.sessions = sessions

    @classmethod
    def from_config(cls, config: Any, sessions: sessionmaker[Session]) -> RetrievalService:
        return cls(dict(config), sessions)
