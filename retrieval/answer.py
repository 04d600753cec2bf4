"""Extractive answers: the knowledge base's own words, with checked citation markers.

Nothing here writes policy: a FAQ answer, an article or a guide field is quoted,
trimmed at a sentence end, and marked ``[n]`` for the citation it comes from.
"""

from __future__ import annotations

import re

from retrieval.channels import Channel
from retrieval.decision import ANSWER, CLARIFY, Decision
from retrieval.fusion import Candidate
from wire.answer import CandidateChoice, Citation

MAX_ANSWER_CHARS = 600
SNIPPET_CHARS = 120

HANDOFF_TEXT = (
    "抱歉，知识库中没有找到能够可靠回答这个问题的内容。为避免给您不准确的信息，"
    "建议您转人工客服，由工作人员为您解答"
)
HOTLINE_TEXT = "，也可以拨打12345政务服务便民热线咨询。"
CLARIFY_TEXT = "您想咨询的是下面哪一项？请点击选择，或换个说法再问一次。"

_ARTICLE_HEAD = re.compile(r"^第[零〇一二两三四五六七八九十百千\d]+条\s*")
_MARKER = re.compile(r"\[(\d+)\]")


def trim(text: str, limit: int = MAX_ANSWER_CHARS) -> str:
    """Cut at the last sentence end before ``limit`` characters, marking the cut."""
    text = text.strip()
    if len(text) <= limit:
        return text
    head = text[:limit]
    cut = max(head.rfind(mark) for mark in "。；！？\n")
    return (head[: cut + 1] if cut > limit // 3 else head).rstrip() + "……"


def citation(n: int, cand: Candidate) -> Citation:
    chunk = cand.chunk
    text = (chunk.answer or chunk.text) if chunk.kind == "faq" else chunk.text
    snippet = text if len(text) <= SNIPPET_CHARS else text[:SNIPPET_CHARS] + "……"
    return Citation(
        n=n,
        source_id=chunk.source_id,
        title=chunk.title,
        locator=chunk.cited_locator,
        url=chunk.url,
        version=chunk.version,
        snippet=snippet,
    )


def choice(cand: Candidate) -> CandidateChoice:
    chunk = cand.chunk
    if chunk.kind == "faq":
        label = chunk.question or chunk.title
    else:
        label = f"{chunk.title} {chunk.locator}".strip()
    return CandidateChoice(source_id=chunk.source_id, locator=chunk.locator, title=chunk.title, label=label)


def quote(cand: Candidate) -> str:
    """The knowledge base's words for one candidate, introduced by where they come from.
    A bracketed number in the source (京政办发[2003]29号) is written 〔2003〕, as official
    document numbers are (GB/T 9704), so it is never read as a citation marker."""
    chunk = cand.chunk
    if chunk.kind == "faq":
        text = trim(chunk.answer or chunk.text)
    elif chunk.kind == "guide":
        text = f"【{chunk.title}】{chunk.locator}：\n{trim(chunk.text)}"
    else:
        body = _ARTICLE_HEAD.sub("", chunk.text.strip())
        where = f"《{chunk.title}》{chunk.locator.split(' ')[-1]}" if chunk.locator else f"《{chunk.title}》"
        text = f"根据{where}：{trim(body)}"
    return _MARKER.sub(r"〔\1〕", text)


def check_markers(answer: str, citations: list[Citation]) -> None:
    """Every ``[n]`` in the answer must name a returned citation, and every citation be used."""
    used = {int(n) for n in _MARKER.findall(answer)}
    numbers = {c["n"] for c in citations}
    if used != numbers:
        raise ValueError(f"citation markers {sorted(used)} do not match citations {sorted(numbers)}")


def handoff_text(channel: Channel | None) -> str:
    """No answer: say so, and name the office that handles the matter where the KB knows it."""
    if channel is None:
        return HANDOFF_TEXT + HOTLINE_TEXT
    ways = "，".join(f"{label}{value}" for label, value in (("电话", channel.phone), ("网址", channel.url)) if value)
    return f"{HANDOFF_TEXT}，也可以联系负责“{channel.service}”的{channel.office}（{ways}）。"


def compose(
    decision: Decision, channel: Channel | None = None
) -> tuple[str, list[Citation], list[CandidateChoice]]:
    """The answer text, its citations and the clarify choices for a decision; a handoff
    names ``channel``, the office the question's matter belongs to, when there is one."""
    if decision.decision == ANSWER:
        cand = decision.candidates[0]
        answer = f"{quote(cand)}[1]"
        citations = [citation(1, cand)]
        check_markers(answer, citations)
        return answer, citations, []
    if decision.decision == CLARIFY:
        return CLARIFY_TEXT, [], [choice(c) for c in decision.candidates]
    return handoff_text(channel), [], []
