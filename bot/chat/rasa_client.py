"""Relay to Rasa's REST channel and turn its output into one reply per bot utterance.

Rasa's REST channel splits an utterance into several messages: plain text is cut at
blank lines, and the ``custom`` JSON (citations, decision, confidence) comes as a
message of its own after the text. :func:`parse_replies` glues them back together.
"""

from __future__ import annotations

from typing import Any, TypedDict

import requests
from typing_extensions import NotRequired

CONNECT_TIMEOUT = 3.0


class Button(TypedDict):
    title: str
    payload: str


class BotReply(TypedDict):
    text: str
    buttons: list[Button]
    citations: list[dict[str, Any]]
    candidates: list[dict[str, Any]]
    decision: str | None
    confidence: float | None
    generation: NotRequired[dict[str, Any]]  # generated answers only: model, verdicts, quote


class RasaUnavailable(Exception):
    """Rasa refused, stalled past the timeout, or answered something that is not a reply."""


def send(rasa_url: str, sender: str, text: str, timeout: float) -> list[dict[str, Any]]:
    """POST one citizen message to the REST channel; Rasa's raw output messages."""
    try:
        response = requests.post(
            f"{rasa_url.rstrip('/')}/webhooks/rest/webhook",
            json={"sender": sender, "message": text},
            timeout=(CONNECT_TIMEOUT, timeout),
        )
        response.raise_for_status()
        messages = response.json()
    except (requests.RequestException, ValueError) as exc:
        raise RasaUnavailable(str(exc)) from exc
    if not isinstance(messages, list):
        raise RasaUnavailable(f"unexpected Rasa output: {type(messages).__name__}")
    return [m for m in messages if isinstance(m, dict)]


def _new_reply() -> BotReply:
    return BotReply(
        text="", buttons=[], citations=[], candidates=[], decision=None, confidence=None
    )


def _buttons(raw: Any) -> list[Button]:
    if not isinstance(raw, list):
        return []
    return [
        Button(title=str(b.get("title", "")), payload=str(b.get("payload", "")))
        for b in raw
        if isinstance(b, dict) and b.get("payload")
    ]


def _list_of_dicts(raw: Any) -> list[dict[str, Any]]:
    return [item for item in raw if isinstance(item, dict)] if isinstance(raw, list) else []


def _confidence(raw: Any) -> float | None:
    return float(raw) if isinstance(raw, (int, float)) and not isinstance(raw, bool) else None


def parse_replies(messages: list[dict[str, Any]]) -> list[BotReply]:
    """One reply per utterance: text parts joined, buttons and custom payload attached.

    Text continues the current reply until that reply has buttons or a custom payload;
    a custom payload belongs to the text before it unless that text already has one.
    """
    replies: list[BotReply] = []
    has_custom: list[bool] = []  # parallel to ``replies``
    for message in messages:
        text, custom = message.get("text"), message.get("custom")
        if isinstance(text, str):
            if not replies or replies[-1]["buttons"] or has_custom[-1]:
                replies.append(_new_reply())
                has_custom.append(False)
            reply = replies[-1]
            reply["text"] = f"{reply['text']}\n\n{text}" if reply["text"] else text
            reply["buttons"] += _buttons(message.get("buttons"))
        if isinstance(custom, dict):
            if not replies or has_custom[-1]:
                replies.append(_new_reply())
                has_custom.append(False)
            has_custom[-1] = True
            _attach_custom(replies[-1], custom)
    return [r for r in replies if r["text"].strip() or r["buttons"]]


def _attach_custom(reply: BotReply, custom: dict[str, Any]) -> None:
    if not reply["text"] and isinstance(custom.get("text"), str):
        reply["text"] = custom["text"]
    reply["buttons"] += _buttons(custom.get("buttons"))
    reply["citations"] = _list_of_dicts(custom.get("citations"))
    reply["candidates"] = _list_of_dicts(custom.get("candidates"))
    decision = custom.get("decision")
    reply["decision"] = decision if isinstance(decision, str) else None
    reply["confidence"] = _confidence(custom.get("confidence"))
    if isinstance(custom.get("generation"), dict):
        reply["generation"] = {**custom["generation"], "extractive": str(custom.get("extractive", ""))}
