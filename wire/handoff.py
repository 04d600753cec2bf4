"""`POST /internal/v1/handoffs`: the action server asks the web app for a human."""

from __future__ import annotations

from typing import Any, Literal, TypedDict

HandoffReason = Literal["low_confidence", "user_request", "complaint", "unhelpful", "safety"]


class HandoffRequest(TypedDict):
    session_id: str
    reason: HandoffReason
    last_query: str
    bot_context: dict[str, Any]


class HandoffResponse(TypedDict):
    handoff_id: int
    state: str
    department: str | None
    message: str | None
    created: bool
