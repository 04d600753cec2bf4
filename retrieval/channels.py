"""Official channels: where a citizen can ask when the knowledge base has no answer.

A service guide names the office that handles it, its consult hotline and its web
address. When a question names a service (营业执照, 港澳通行证) that no passage answers,
the guide about that service still tells the citizen whom to call.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from retrieval.fusion import Candidate
from retrieval.index import IndexedChunk
from retrieval.keyterms import AGREE

_OFFICE = re.compile(r"实施部门：(.+)")
_FIELD_HEAD = re.compile(r"^【[^】]*】\s*")
# How far down the ranking a guide about the asked service is looked for.
LOOK_AT = 20


@dataclass(frozen=True)
class Channel:
    service: str  # the guide's name
    office: str  # 广州市公安局
    phone: str
    url: str


class Channels:
    """The channel of every guide of a snapshot that names a consult phone or URL."""

    def __init__(self, chunks: list[IndexedChunk]) -> None:
        fields: dict[str, dict[str, str]] = {}
        for chunk in chunks:
            if chunk.kind == "guide":
                fields.setdefault(chunk.source_id, {"url": chunk.url, "title": chunk.title})[chunk.locator] = (
                    _FIELD_HEAD.sub("", chunk.text).strip()
                )
        self._by_source = {
            source_id: Channel(
                service=f["title"],
                office=(m.group(1).strip() if (m := _OFFICE.search(f.get("概述", ""))) else "办理部门"),
                phone=f.get("咨询电话", ""),
                url=f["url"],
            )
            for source_id, f in fields.items()
            if f.get("咨询电话") or f["url"]
        }

    def for_question(self, candidates: list[Candidate]) -> Channel | None:
        """The channel of the best-ranked guide whose name agrees with what the question
        names; none when the question names nothing a guide is about."""
        for cand in candidates[:LOOK_AT]:
            if cand.agreement == AGREE and cand.chunk.source_id in self._by_source:
                return self._by_source[cand.chunk.source_id]
        return None
