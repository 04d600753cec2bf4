"""A chat completion from any OpenAI-compatible endpoint (``POST /v1/chat/completions``).

The answer is streamed (``stream: true``, server-sent events) and read under one overall
deadline; anything but a complete, well-formed stream raises :class:`GenerationFailed`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import requests


class GenerationFailed(Exception):
    """The model gave no usable completion; ``reason`` is recorded for reviewers."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


@dataclass(frozen=True)
class LLMSettings:
    base_url: str
    model: str
    api_key: str
    timeout: float
    max_tokens: int

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> LLMSettings:
        return cls(
            base_url=config["GENERATION_BASE_URL"].rstrip("/"),
            model=config["GENERATION_MODEL"],
            api_key=config["GENERATION_API_KEY"],
            timeout=config["GENERATION_TIMEOUT"],
            max_tokens=config["GENERATION_MAX_TOKENS"],
        )


def stream_completion(settings: LLMSettings, messages: list[dict[str, str]]) -> Iterator[str]:
    """The completion's text pieces as they arrive; raises GenerationFailed on any fault."""
    deadline = time.monotonic() + settings.timeout
    headers = {"Authorization": f"Bearer {settings.api_key}"} if settings.api_key else {}
    body = {
        "model": settings.model,
        "messages": messages,
        "max_tokens": settings.max_tokens,
        "temperature": 0,
        "stream": True,
    }
    try:
        with requests.post(
            f"{settings.base_url}/chat/completions",
            json=body,
            headers=headers,
            stream=True,
            timeout=settings.timeout,
        ) as response:
            if response.status_code != 200:
                raise GenerationFailed("error", f"HTTP {response.status_code}")
            finished = False
            for line in response.iter_lines(decode_unicode=False):
                if time.monotonic() > deadline:
                    raise GenerationFailed("timeout", f"over {settings.timeout}s")
                if not line.startswith(b"data:"):
                    continue
                data = line[5:].strip()
                if data == b"[DONE]":
                    finished = True
                    break
                piece, reason = _delta(data)
                if reason == "content_filter":
                    raise GenerationFailed("refused", "content_filter")
                if piece:
                    yield piece
            if not finished:
                raise GenerationFailed("malformed", "stream ended without [DONE]")
    except requests.Timeout as exc:
        raise GenerationFailed("timeout", str(exc)) from exc
    except requests.RequestException as exc:
        raise GenerationFailed("error", str(exc)) from exc


def _delta(data: bytes) -> tuple[str, str | None]:
    """The text and finish reason of one ``chat.completion.chunk``."""
    try:
        chunk = json.loads(data)
        choice = chunk["choices"][0]
        content = (choice.get("delta") or {}).get("content") or ""
        if not isinstance(content, str):
            raise TypeError("content is not a string")
        return content, choice.get("finish_reason")
    except (ValueError, KeyError, IndexError, TypeError, AttributeError) as exc:
        raise GenerationFailed("malformed", f"bad chunk: {exc}") from exc


def complete(settings: LLMSettings, messages: list[dict[str, str]]) -> str:
    return "".join(stream_completion(settings, messages))
