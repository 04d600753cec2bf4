"""Cutting items into retrievable chunks that respect how Chinese documents are organised.

Laws and regulations: 第X编 / 第X章 / 第X节 headings and 第X条 articles; notices: 一、 and
（一） items; anything else: groups of paragraphs. Every chunk records where it is
(`locator`, e.g. ``第二章 第十二条``), what it belongs to (`context`: title and chapter
heading, prepended by retrieval) and its offsets, so ``text == body[start:end]``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TypedDict

from knowledge_base.text import CN_NUMERAL, cn_number

MAX_CHARS = 500  # longer articles are split into sub-chunks with the same locator
TINY_CHARS = 20  # a lone heading line this short joins the piece after it
PARAGRAPH_TARGET = 350  # size of paragraph groups in unstructured text

HEADING = re.compile(rf"^(?:#+\s*)?(第{CN_NUMERAL}[编章节])(?:[\s\u3000]+(.*))?$")
ARTICLE = re.compile(rf"^[\s\u3000]*(第({CN_NUMERAL})条(?:之({CN_NUMERAL}))?)")
ITEM = re.compile(r"^[\s\u3000]*([一二三四五六七八九十]+)、")
SUB_ITEM = re.compile(r"^[\s\u3000]*[（(]([一二三四五六七八九十]+)[）)]")
INFO_END = "<!-- INFO END -->"
HEADING_LEVELS = {"编": 0, "章": 1, "节": 2}
GUIDE_SECTION = re.compile(r"^【(.+?)】$", re.M)


class ChunkData(TypedDict):
    role: str  # question | answer | article | section | field
    locator: str
    context: str
    text: str
    start: int | None
    end: int | None


@dataclass
class _Segment:
    role: str
    locator: str
    context: str
    start: int
    end: int


def chunk_faq(question: str, alt_questions: list[str], answer: str) -> list[ChunkData]:
    """One chunk per way of asking (not part of the body), one for the whole answer."""
    chunks = [
        ChunkData(role="question", locator="问题", context="", text=q, start=None, end=None)
        for q in [question, *alt_questions]
        if q.strip()
    ]
    chunks.append(
        ChunkData(role="answer", locator="答案", context=question, text=answer,
                  start=0, end=len(answer))
    )
    return chunks


def chunk_guide(title: str, body: str) -> list[ChunkData]:
    """One chunk per rendered 【字段】 section of a service guide (see formats.guides)."""
    marks = list(GUIDE_SECTION.finditer(body))
    chunks = []
    for mark, following in zip(marks, [*marks[1:], None], strict=True):
        end = following.start() if following else len(body)
        end = mark.start() + len(body[mark.start():end].rstrip())
        chunks.append(ChunkData(role="field", locator=mark.group(1), context=title,
                                text=body[mark.start():end], start=mark.start(), end=end))
    return chunks


def guide_context(task_name: str, department: str | None) -> str:
    """What a guide's chunks are about: the service and who provides it."""
    return f"{task_name}（{department}）" if department else task_name


def chunk_document(title: str, body: str) -> list[ChunkData]:
    """Structure-aware chunks of a policy document's full text."""
    lines = _lines(body)
    has_articles = any(ARTICLE.match(text) for _, text in lines)
    segments = _structured(title, lines, has_articles)
    if not has_articles and len(segments) <= 1:
        segments = _paragraph_groups(title, lines)
    segments = _merge_tiny(segments) if not has_articles else segments
    chunks = []
    for segment in segments:
        for start, end in _split_long(body, segment.start, segment.end):
            chunks.append(ChunkData(role=segment.role, locator=segment.locator,
                                    context=segment.context, text=body[start:end],
                                    start=start, end=end))
    return chunks


def _lines(body: str) -> list[tuple[int, str]]:
    """(offset, text) of every line of the body."""
    result, offset = [], 0
    for text in body.split("\n"):
        result.append((offset, text))
        offset += len(text) + 1
    return result


def _structured(title: str, lines: list[tuple[int, str]], has_articles: bool) -> list[_Segment]:
    """Segments starting at headings, articles (laws) or enumerated items (notices)."""
    headings: list[str | None] = [None, None, None]  # 编, 章, 节 with their names
    segments: list[_Segment] = []
    current: _Segment | None = None
    last_article = (0, 0)
    item_locator = ""
    preamble = "题注" if has_articles else "前言"
    seen_title = False

    def close(end: int) -> None:
        nonlocal current
        if current is not None and current.end > current.start:
            segments.append(current)
        current = None

    def context() -> str:
        return " ".join(part for part in [title, *[h for h in headings if h]] if part)

    def numbers() -> str:
        return " ".join(h.split()[0] for h in headings if h)

    for offset, text in lines:
        stripped = text.strip()
        end = offset + len(text.rstrip())
        if not stripped or stripped.startswith("<!--"):
            continue
        if stripped.startswith("# ") and not seen_title:
            seen_title = True
            continue
        heading = HEADING.match(stripped)
        if heading and (stripped.startswith("#") or _looks_like_heading(stripped)):
            close(offset)
            level = HEADING_LEVELS[heading.group(1)[-1]]
            name = re.sub(r"\s+", "", heading.group(2) or "")
            headings[level] = f"{heading.group(1)} {name}".strip()
            for deeper in range(level + 1, len(headings)):
                headings[deeper] = None
            continue
        article = ARTICLE.match(stripped) if has_articles else None
        if article and _follows(article, last_article):
            close(offset)
            last_article = (cn_number(article.group(2)),
                            cn_number(article.group(3)) if article.group(3) else 0)
            locator = " ".join(part for part in [numbers(), article.group(1)] if part)
            current = _Segment("article", locator, context(), offset, end)
            continue
        item = None if has_articles else (ITEM.match(stripped) or SUB_ITEM.match(stripped))
        if item:
            close(offset)
            marker = _item_marker(stripped, item)
            if item.re is ITEM:
                item_locator = marker
                locator = marker
            else:
                locator = f"{item_locator} {marker}".strip()
            locator = " ".join(part for part in [numbers(), locator] if part)
            current = _Segment("section", locator, context(), offset, end)
            continue
        if current is None:
            current = _Segment("section", preamble if not segments else "正文",
                               context(), offset, end)
        current.end = end
    close(len(lines))
    return segments


def _looks_like_heading(line: str) -> bool:
    return len(line) <= 40 and "。" not in line


def _follows(article: re.Match[str], last: tuple[int, int]) -> bool:
    """Article numbers only go up: a paragraph opening with "第五条规定…" is no new article."""
    number = (cn_number(article.group(2)), cn_number(article.group(3)) if article.group(3) else 0)
    return number > last or number == (1, 0)


def _item_marker(line: str, item: re.Match[str]) -> str:
    """``一、总体要求`` for a heading-like item line, ``一、`` for an item that is a sentence."""
    if item.re is ITEM and _looks_like_heading(line) and len(line) <= 24:
        return line
    return item.group(0).strip()


def _paragraph_groups(title: str, lines: list[tuple[int, str]]) -> list[_Segment]:
    """Unstructured text: paragraphs grouped to about PARAGRAPH_TARGET characters."""
    segments: list[_Segment] = []
    number = 0
    for offset, text in lines:
        stripped = text.strip()
        if not stripped or stripped.startswith(("<!--", "# ")):
            continue
        number += 1
        end = offset + len(text.rstrip())
        last = segments[-1] if segments else None
        if last is not None and last.end - last.start + len(stripped) <= PARAGRAPH_TARGET:
            last.end = end
        else:
            segments.append(_Segment("section", f"第{number}段", title, offset, end))
    return segments


def _merge_tiny(segments: list[_Segment]) -> list[_Segment]:
    """A lone heading line or a one-line item joins the following piece."""
    merged: list[_Segment] = []
    pending: _Segment | None = None
    for segment in segments:
        if pending is not None:
            segment = _Segment(segment.role, segment.locator, segment.context,
                               pending.start, segment.end)
            pending = None
        if segment.end - segment.start < TINY_CHARS:
            pending = segment
        else:
            merged.append(segment)
    if pending is not None:
        if merged:
            merged[-1].end = pending.end
        else:
            merged.append(pending)
    return merged


def _split_long(body: str, start: int, end: int) -> list[tuple[int, int]]:
    """Split [start, end) at paragraph, then sentence ends into pieces of ≤ MAX_CHARS."""
    if end - start <= MAX_CHARS:
        return [(start, end)]
    pieces: list[tuple[int, int]] = []
    piece_start = start
    last_break = None
    for match in re.finditer(r"\n+|[。；！？]", body[start:end]):
        boundary = start + match.end()
        if boundary - piece_start > MAX_CHARS and last_break and last_break > piece_start:
            pieces.append((piece_start, last_break))
            piece_start = last_break
        last_break = boundary
    pieces.append((piece_start, end))
    return [_trim(body, s, e) for s, e in pieces if body[s:e].strip()]


def _trim(body: str, start: int, end: int) -> tuple[int, int]:
    text = body[start:end]
    return start + len(text) - len(text.lstrip()), start + len(text.rstrip())
