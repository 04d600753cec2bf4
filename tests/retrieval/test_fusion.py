from dataclasses import replace

import numpy as np

from retrieval.config import PipelineConfig
from retrieval.fusion import fuse
from retrieval.index import IndexedChunk


def faq_chunk(source_id: str, role: str, text: str) -> IndexedChunk:
    return IndexedChunk(
        chunk_id=0, source_id=source_id, kind="faq", role=role, title=text, locator="问题" if role == "question" else "答案",
        text=text, url="", version="", department="", question="", answer="", search_text=text,
    )


CHUNKS = [
    faq_chunk("faq-id-002", "question", "身份证几年换一次"),
    faq_chunk("faq-id-002", "answer", "居民身份证的有效期分为五年、十年、二十年和长期"),
    faq_chunk("faq-id-005", "question", "身份证什么情况需要换领？"),
    faq_chunk("faq-id-005", "answer", "证件严重损坏不能辨认的，应当申请换领新证"),
]


def ranked(answer_weight: float) -> list[str]:
    """Fused ranking for "身份证磨得看不清了要不要换": the first FAQ's question is the closer
    wording, the second FAQ's answer is the one that fits."""
    shipped = PipelineConfig.load()
    # No question offset: the two questions' own cosines decide when answers do not count.
    config = replace(shipped, fusion=replace(shipped.fusion, method="dense", answer_weight=answer_weight,
                                             question_offset=0.0))
    dense = (np.array([0, 2, 3, 1]), np.array([0.90, 0.88, 0.89, 0.80]))
    bm25 = (np.array([0, 2]), np.array([0.5, 0.3]))
    return [c.chunk.source_id for c in fuse(CHUNKS, dense, bm25, config)]


def test_a_faq_matched_by_its_question_also_answers_for_its_answer(shipped):
    assert ranked(answer_weight=0.0)[0] == "faq-id-002"  # wording alone picks the wrong entry
    assert ranked(answer_weight=shipped.fusion.answer_weight)[0] == "faq-id-005"
