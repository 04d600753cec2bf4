"""WeChat message bodies: parse pushed XML/JSON, render transcript lines as WeChat text."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ElementTree
from typing import Any, TypedDict

from knowledge_base.urls import safe_href

# WeChat's limit for one customer-service text message, in bytes of UTF-8.
MAX_TEXT_BYTES = 2048

_SENTENCE_END = re.compile(r"(?<=[。！？；!?;\n])")


class MalformedMessage(ValueError):
    """The pushed body is not a WeChat message we can read."""


class Inbound(TypedDict):
    """One pushed message, reduced to what the worker needs."""

    key: str  # dedup key: MsgId, or sender + CreateTime for events (WeChat's advice)
    openid: str
    msg_type: str  # text, image, voice, event, ...
    content: str
    event: str


def parse_fields(body: bytes) -> dict[str, str]:
    """The top-level fields of a JSON object or an ``<xml>`` document, as strings."""
    text = body.decode("utf-8", "strict") if body else ""
    stripped = text.lstrip()
    if stripped.startswith("{"):
        return _parse_json(stripped)
    if stripped.startswith("<"):
        return _parse_xml(stripped)
    raise MalformedMessage("body is neither JSON nor XML")


def _parse_json(text: str) -> dict[str, str]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise MalformedMessage("invalid JSON") from exc
    if not isinstance(data, dict):
        raise MalformedMessage("JSON body must be an object")
    return {
        str(k): "" if v is None else str(v)
        for k, v in data.items()
        if not isinstance(v, dict | list)
    }


def _parse_xml(text: str) -> dict[str, str]:
    # WeChat never sends a DTD; refusing one rules out entity-expansion attacks.
    if "<!DOCTYPE" in text.upper() or "<!ENTITY" in text.upper():
        raise MalformedMessage("DTDs are not accepted")
    try:
        root = ElementTree.fromstring(text)
    except ElementTree.ParseError as exc:
        raise MalformedMessage("invalid XML") from exc
    if root.tag != "xml":
        raise MalformedMessage("root element must be <xml>")
    return {child.tag: (child.text or "") for child in root}


def to_inbound(fields: dict[str, str]) -> Inbound:
    """Validate the fields of a decrypted push and pick out what we use."""
    openid = fields.get("FromUserName", "").strip()
    msg_type = fields.get("MsgType", "").strip()
    if not openid or not msg_type:
        raise MalformedMessage("FromUserName and MsgType are required")
    msg_id = fields.get("MsgId", "").strip()
    key = msg_id or f"{openid}:{fields.get('CreateTime', '').strip()}:{fields.get('Event', '')}"
    return Inbound(
        key=key[:128],
        openid=openid[:128],
        msg_type=msg_type[:20],
        content=fields.get("Content", ""),
        event=fields.get("Event", "").strip(),
    )


def render_message(text: str, payload: dict[str, Any] | None) -> str:
    """A transcript line as one WeChat text: answer, numbered sources, numbered choices.

    WeChat text has no buttons, so buttons become numbered choices the citizen answers
    with the number (see ``button_for_reply``).
    """
    payload = payload or {}
    lines = [text.strip()]
    citations = payload.get("citations") or []
    if citations:
        lines.append("")
        lines.append("参考来源：")
        lines.extend(_citation_line(c) for c in citations)
    buttons = payload.get("buttons") or []
    if buttons:
        lines.append("")
        lines.append("请回复序号选择：")
        lines.extend(f"{i}. {b.get('title', '')}" for i, b in enumerate(buttons, start=1))
    return "\n".join(lines).strip()


def _citation_line(citation: dict[str, Any]) -> str:
    title = citation.get("title") or ""
    line = f"[{citation.get('n', '')}] 《{title}》" if title else f"[{citation.get('n', '')}]"
    if citation.get("locator"):
        line += str(citation["locator"])
    if citation.get("version"):
        line += f"（{citation['version']}）"
    url = safe_href(citation.get("url"))
    if url:
        line += f" {url}"
    return line


def button_for_reply(text: str, payload: dict[str, Any] | None) -> dict[str, Any] | None:
    """The button a bare number like "2" picks among the last bot line's buttons."""
    choice = text.strip()
    buttons = (payload or {}).get("buttons") or []
    if choice.isdigit() and 1 <= int(choice) <= len(buttons):
        return buttons[int(choice) - 1]
    return None


def split_text(text: str, limit: int = MAX_TEXT_BYTES) -> list[str]:
    """Split into messages of at most ``limit`` UTF-8 bytes, at sentence ends when possible."""
    parts: list[str] = []
    current = ""
    for sentence in _pieces(text, limit):
        if len((current + sentence).encode()) > limit:
            parts.append(current)
            current = ""
        current += sentence
    if current:
        parts.append(current)
    return [p.strip() for p in parts if p.strip()]


def _pieces(text: str, limit: int) -> list[str]:
    """Sentences, with any sentence longer than ``limit`` bytes cut at character boundaries."""
    pieces: list[str] = []
    for sentence in _SENTENCE_END.split(text):
        while len(sentence.encode()) > limit:
            cut = len(sentence.encode()[:limit].decode("utf-8", "ignore"))
            pieces.append(sentence[:cut])
            sentence = sentence[cut:]
        if sentence:
            pieces.append(sentence)
    return pieces
