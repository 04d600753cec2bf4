"""HTTP calls from the action server to the web app (answer engine, internal API).

Every call is asynchronous, so one slow answer does not hold up other conversations in
the action server, and bounded by a timeout; failures surface as ``AppUnavailable``.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import aiohttp

from core.settings import Settings
from wire.answer import AnswerRequest, AnswerResponse
from wire.handoff import HandoffRequest, HandoffResponse

logger = logging.getLogger(__name__)

class AppUnavailable(Exception):
    """The web app did not answer in time or answered with an error."""

    def __init__(self, reason: str, status: int | None = None) -> None:
        super().__init__(reason)
        self.status = status


async def ask_answer_engine(request: AnswerRequest) -> AnswerResponse:
    return await _post("/api/v1/answer", dict(request))


async def record_handoff(request: HandoffRequest) -> HandoffResponse:
    return await _post("/internal/v1/handoffs", dict(request))


async def record_feedback(session_id: str, helpful: bool) -> None:
    await _post("/internal/v1/feedback", {"session_id": session_id, "helpful": helpful})


async def _post(path: str, body: dict[str, Any]) -> Any:
    """Every call carries the internal token: the app logs only real conversations' questions
    for its gaps page and does not rate-limit the action server like an anonymous caller."""
    settings = Settings.from_env()  # per call: the environment is the action server's configuration
    headers = {"Authorization": f"Bearer {settings.internal_token}"}
    timeout = aiohttp.ClientTimeout(total=settings.answer_timeout)
    url = settings.app_url + path
    try:
        async with aiohttp.ClientSession(timeout=timeout) as session, session.post(
            url, json=body, headers=headers
        ) as response:
            if response.status >= 400:
                detail = (await response.text())[:300]
                logger.warning("POST %s answered %s: %s", url, response.status, detail)
                raise AppUnavailable(f"HTTP {response.status}", response.status)
            return await response.json()
    except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as exc:
        logger.warning("POST %s failed: %r", url, exc)
        raise AppUnavailable(repr(exc)) from exc
