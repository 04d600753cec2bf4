"""Simple baselines over the same knowledge base, measured beside the engine.

Rows are the engine's own chunks (articles, guide fields, notice sections, FAQ questions
and answers), without its extra article views. A FAQ question is embedded like a query
(``query:`` on both sides, the symmetric use e5 is trained for) and scored against the
citizen's question; every passage is embedded as a ``passage:``. A source's score is
its best row. BM25 is plain Okapi over the same jieba tokens, without the synonym list;
follow-ups are searched as the history and the turn joined. Nothing of the engine's
fusion, rules, region or calibration is used.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from tqdm import tqdm

from bench.eval.cases import Case, is_gold
from bench.eval.systems import TOP, Outcome
from retrieval.bm25 import BM25Index
from retrieval.config import BM25
from retrieval.embedder import CachedEmbedder, Embedder
from retrieval.index import IndexedChunk

METHODS = ("bm25", "dense", "rrf", "weighted")
RRF_K = 60
# Cosines of e5 spread over a few hundredths, BM25 coverage over tenths: the grid is
# finer near 1, where their scales balance.
WEIGHTS = tuple(sorted({round(float(w), 2) for w in (*np.linspace(0.0, 1.0, 21), *np.arange(0.80, 1.0, 0.01))}))


@dataclass
class Scored:
    """Per-question row scores of both retrievers."""

    bm25: np.ndarray
    dense: np.ndarray


class Baselines:
    def __init__(self, chunks: list[IndexedChunk], passages: Embedder, questions: CachedEmbedder,
                 bm25: BM25) -> None:
        self.rows = [c for c in chunks if c.role != "view"]
        self.keys = [(c.source_id, "" if c.kind == "faq" else c.locator) for c in self.rows]
        symmetric = np.array([c.role == "question" for c in self.rows])
        texts = [c.search_text for c in self.rows]
        self.bm25 = BM25Index.build(texts, k1=bm25.k1, b=bm25.b)
        vectors = np.zeros((len(texts), passages.dim), np.float32)
        if (~symmetric).any():
            vectors[~symmetric] = passages.embed_passages([t for t, s in zip(texts, symmetric, strict=True) if not s])
        if symmetric.any():
            vectors[symmetric] = questions.embed_passages([t for t, s in zip(texts, symmetric, strict=True) if s])
        self.vectors = vectors
        self.passages = passages

    def score(self, cases: list[Case], label: str) -> list[Scored]:
        queries = [" ".join([*c.history, c.question]) for c in cases]
        vectors = np.concatenate([self.passages.embed_queries(queries[i:i + 64]) for i in range(0, len(queries), 64)])
        return [Scored(self.bm25.scores(q), self.vectors @ v)
                for q, v in tqdm(list(zip(queries, vectors, strict=True)), desc=f"{label}: baselines", unit="q", leave=False)]

    def fused(self, scored: Scored, method: str, weight: float = 0.5) -> np.ndarray:
        if method == "bm25":
            return scored.bm25
        if method == "dense":
            return scored.dense
        if method == "weighted":
            return weight * scored.dense + (1 - weight) * scored.bm25
        fused = np.zeros(len(self.rows))
        for values, positive_only in ((scored.bm25, True), (scored.dense, False)):
            order = np.argsort(-values, kind="stable")
            ranks = np.empty(len(values))
            ranks[order] = np.arange(len(values))
            contribution = 1.0 / (RRF_K + ranks + 1)
            fused += np.where(values > 0, contribution, 0.0) if positive_only else contribution
        return fused

    def outcome(self, case: Case, values: np.ndarray, threshold: float) -> Outcome:
        """Sources ranked by their best row; answered when the top score reaches ``threshold``."""
        order = np.argsort(-values, kind="stable")[: TOP * 20]
        seen: dict[tuple[str, str], int] = {}
        for i in order.tolist():
            seen.setdefault(self.keys[i], i)
            if len(seen) == TOP:
                break
        picked = list(seen.values())
        ranks = [is_gold(self.rows[i].source_id, self.rows[i].locator, case) for i in picked]
        top = self.rows[picked[0]] if picked else None
        quoted = (top.answer or top.text) if top and top.kind == "faq" else (top.text if top else "")
        best = float(values[picked[0]]) if picked else 0.0
        return Outcome(case, ranks, "answer" if best >= threshold else "handoff", best, quoted, calibrated=False)
