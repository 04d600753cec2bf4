"""BM25 over jieba tokens, as a sparse matrix so a query is one column gather and sum."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import numpy as np
from scipy import sparse

from retrieval.synonyms import Synonyms
from retrieval.text import tokenize

NO_SYNONYMS = Synonyms()


class BM25Index:
    """Okapi BM25 with precomputed per-(chunk, term) weights."""

    def __init__(
        self, weights: sparse.csc_matrix, vocabulary: dict[str, int], idf: np.ndarray, k1: float
    ) -> None:
        self.weights = weights
        self.vocabulary = vocabulary
        self.idf = idf
        self.k1 = k1

    @classmethod
    def build(cls, texts: list[str], *, k1: float, b: float) -> BM25Index:
        docs = [Counter(tokenize(text)) for text in texts]
        vocabulary: dict[str, int] = {}
        rows, cols, tfs = [], [], []
        for row, counts in enumerate(docs):
            for term, count in counts.items():
                rows.append(row)
                cols.append(vocabulary.setdefault(term, len(vocabulary)))
                tfs.append(count)
        n_docs = max(len(docs), 1)
        lengths = np.array([sum(c.values()) for c in docs] or [0], dtype=np.float32)
        avg_len = float(lengths.mean()) or 1.0
        tf = np.array(tfs, dtype=np.float32)
        df = np.bincount(np.array(cols, dtype=np.int64), minlength=len(vocabulary))
        idf = np.log(1.0 + (n_docs - df + 0.5) / (df + 0.5)).astype(np.float32)
        norm = k1 * (1.0 - b + b * lengths[np.array(rows, dtype=np.int64)] / avg_len) if rows else 0
        values = idf[np.array(cols, dtype=np.int64)] * tf * (k1 + 1.0) / (tf + norm) if rows else tf
        weights = sparse.csc_matrix(
            (values, (rows, cols)), shape=(len(docs), len(vocabulary)), dtype=np.float32
        )
        return cls(weights, vocabulary, idf, k1)

    def search(
        self, query: str, top_n: int, synonyms: Synonyms = NO_SYNONYMS
    ) -> tuple[np.ndarray, np.ndarray]:
        """Ids and scores of the best ``top_n`` chunks, as ``scores`` gives them."""
        scores = self.scores(query, synonyms)
        ids = top_ids(scores, top_n)
        return ids, scores[ids]

    def scores(self, query: str, synonyms: Synonyms = NO_SYNONYMS) -> np.ndarray:
        """The score of every chunk, scaled to [0, 1].

        A score is divided by the most a chunk could get for this query (every query
        term at saturation), so it reads as "how much of the query this chunk covers".
        A synonym found instead of a query word counts at that word's weight.
        """
        total = np.zeros(self.weights.shape[0], dtype=np.float32)
        ceiling = 0.0
        for token in dict.fromkeys(tokenize(query)):
            columns = [self.vocabulary[w] for w in synonyms.group(token) if w in self.vocabulary]
            if not columns:
                continue
            idf = float(self.idf[columns[0]] if token in self.vocabulary else self.idf[columns].min())
            if len(columns) == 1:
                weights = self.weights[:, columns[0]].toarray().ravel() * (idf / self.idf[columns[0]])
            else:
                saturation = self.weights[:, columns].multiply(1.0 / self.idf[columns]).max(axis=1)
                weights = idf * saturation.toarray().ravel()
            total += weights
            ceiling += idf * (self.k1 + 1.0)
        return total / ceiling if ceiling else total

    def save(self, folder: Path) -> None:
        sparse.save_npz(folder / "bm25.npz", self.weights.tocsr())
        np.save(folder / "bm25_idf.npy", self.idf)
        (folder / "bm25_vocab.json").write_text(
            json.dumps({"k1": self.k1, "vocabulary": self.vocabulary}, ensure_ascii=False)
        )

    @classmethod
    def load(cls, folder: Path) -> BM25Index:
        meta = json.loads((folder / "bm25_vocab.json").read_text())
        weights = sparse.load_npz(folder / "bm25.npz").tocsc()
        return cls(weights, meta["vocabulary"], np.load(folder / "bm25_idf.npy"), meta["k1"])


def top_ids(scores: np.ndarray, top_n: int) -> np.ndarray:
    """Ids of the ``top_n`` best positive scores, best first."""
    top_n = min(top_n, int(np.count_nonzero(scores > 0)))
    if top_n == 0:
        return np.zeros(0, dtype=np.int64)
    ids = np.argpartition(-scores, top_n - 1)[:top_n]
    return ids[np.argsort(-scores[ids], kind="stable")].astype(np.int64)
