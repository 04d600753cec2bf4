"""`POST /api/v1/answer`: what the action server sends and the answer engine returns."""

from __future__ import annotations

from typing import Literal, TypedDict

from typing_extensions import NotRequired


class Pick(TypedDict):
    """A candidate the citizen chose from a clarify list."""

    source_id: str
    locator: str


class Citation(TypedDict):
    n: int
    source_id: str
    title: str
    locator: str
    url: str
    version: str
    snippet: str


class CandidateChoice(TypedDict):
    source_id: str
    locator: str
    title: str
    label: str


class AnswerRequest(TypedDict):
    query: str
    history: list[str]
    session_id: str
    pick: NotRequired[Pick]


class AnswerResponse(TypedDict):
    decision: Literal["answer", "clarify", "handoff"]
    confidence: float
    answer: str
    citations: list[Citation]
    candidates: list[CandidateChoice]
    query: str
    # Only with GENERATION_ENABLED and an answer decision (docs/generation.md): whether
    # ``answer`` is a checked generated 参考回答, the extractive quote, and the audit record
    # (model, fallback reason, per-sentence verdicts, removed sentences).
    generated: NotRequired[bool]
    extractive: NotRequired[str]
    generation: NotRequired[dict]
