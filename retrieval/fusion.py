"""Fusing BM25 and dense hits into one ranked list of sources.

Hits are grouped by what a citation points at: a FAQ entry, or one article/field of a
document or guide. Each group keeps its best chunk and the best score of each retriever.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from retrieval.config import PipelineConfig
from retrieval.index import IndexedChunk


@dataclass
class Candidate:
    chunk: IndexedChunk
    dense: float = 0.0  # raw cosine
    bm25: float = 0.0  # query coverage in [0, 1]
    fused: float = 0.0
    question_match: bool = False  # matched through a FAQ question, not its answer
    answer_dense: float = 0.0  # a FAQ answer's cosine: weighed in when its question matched best
    agreement: int = 0  # key terms of the question vs. the candidate's subject: 1 agree, -1 conflict
    on_topic: bool = True  # names what the question names (or the question names nothing)

    @property
    def key(self) -> tuple[str, str]:
        return (self.chunk.source_id, "" if self.chunk.kind == "faq" else self.chunk.locator)


def rescale_dense(cosine: float, config: PipelineConfig) -> float:
    span = config.fusion.dense_ceiling - config.fusion.dense_floor
    return float(np.clip((cosine - config.fusion.dense_floor) / span, 0.0, 1.0))


def fuse(
    chunks: list[IndexedChunk],
    dense_hits: tuple[np.ndarray, np.ndarray],
    bm25_hits: tuple[np.ndarray, np.ndarray],
    config: PipelineConfig,
) -> list[Candidate]:
    """Ranked candidates, best first, fused as ``config.fusion.method`` says."""
    groups: dict[tuple[str, str], Candidate] = {}
    ranks: dict[tuple[str, str], list[int]] = {}

    def visit(ids: np.ndarray, scores: np.ndarray, attr: str) -> None:
        order: dict[tuple[str, str], int] = {}
        for idx, score in zip(ids.tolist(), scores.tolist(), strict=True):
            chunk = chunks[idx]
            if attr == "dense" and chunk.role == "question":
                # Short question-to-question pairs look alike more easily than
                # question-to-passage pairs; even the odds.
                score -= config.fusion.question_offset
            cand = Candidate(chunk)
            cand = groups.setdefault(cand.key, cand)
            order.setdefault(cand.key, len(order))
            if attr == "dense" and chunk.role == "answer":
                cand.answer_dense = max(cand.answer_dense, float(score))
            if score > getattr(cand, attr):
                setattr(cand, attr, float(score))
                if attr == "dense":
                    cand.question_match = chunk.role == "question"
        for key, rank in order.items():
            ranks.setdefault(key, []).append(rank)

    visit(*dense_hits, "dense")
    visit(*bm25_hits, "bm25")

    for key, cand in groups.items():
        if cand.question_match and config.fusion.answer_weight:
            # A FAQ's question can share the citizen's words while its answer is about
            # something else (身份证几年换一次 for 身份证磨得看不清了要不要换): its answer counts too.
            cand.dense = (1 - config.fusion.answer_weight) * cand.dense + config.fusion.answer_weight * cand.answer_dense
        if config.fusion.method == "rrf":
            cand.fused = sum(1.0 / (config.fusion.rrf_k + r + 1) for r in ranks[key]) * (config.fusion.rrf_k + 1) / 2
        elif config.fusion.method == "bm25":
            cand.fused = cand.bm25
        elif config.fusion.method == "dense":
            cand.fused = rescale_dense(cand.dense, config)
        else:
            w = config.fusion.dense_weight
            cand.fused = w * rescale_dense(cand.dense, config) + (1 - w) * cand.bm25
    return sorted(groups.values(), key=lambda c: c.fused, reverse=True)
