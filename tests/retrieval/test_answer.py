"""Extractive answers quote the knowledge base and carry exactly the markers they cite."""

from __future__ import annotations

import pytest

from retrieval.answer import compose
from retrieval.decision import ANSWER, Decision
from retrieval.fusion import Candidate
from retrieval.index import IndexedChunk

NOTICE = IndexedChunk(
    chunk_id=0, source_id="doc-notice", kind="document", role="passage", title="关于居住证办理的通知",
    locator="正文", text="根据《关于进一步推进户籍制度改革的实施意见》（京政发[2016]8号）和[2]号文，"
    "居住证申领人应当在居住地连续居住半年以上。",
    url="https://example.gov.cn/notice", version="", department="公安",
    question="", answer="", search_text="",
)


@pytest.mark.parametrize("kind", ["document", "faq", "guide"])
def test_bracketed_numbers_in_the_source_are_not_taken_for_citation_markers(kind):
    chunk = NOTICE if kind != "faq" else IndexedChunk(**{**NOTICE.__dict__, "kind": "faq", "answer": NOTICE.text})
    if kind == "guide":
        chunk = IndexedChunk(**{**NOTICE.__dict__, "kind": "guide"})
    text, citations, _ = compose(Decision(ANSWER, 0.9, [Candidate(chunk)]))
    assert "京政发〔2016〕8号" in text and "〔2〕号文" in text
    assert text.endswith("[1]") and text.count("[") == 1
    assert [c["n"] for c in citations] == [1]
