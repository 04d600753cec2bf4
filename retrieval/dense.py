"""FAISS inner-product index over normalised vectors: exact when small, HNSW when large."""

from __future__ import annotations

from pathlib import Path

import faiss
import numpy as np


class DenseIndex:
    def __init__(self, index: faiss.Index) -> None:
        self.index = index

    @classmethod
    def build(
        cls, vectors: np.ndarray, *, exact_max: int, hnsw_m: int, hnsw_ef_search: int
    ) -> DenseIndex:
        """Exact search up to ``exact_max`` vectors (fast enough there); HNSW above, with
        ``hnsw_ef_search`` candidates per query (saved with the index; docs/bench.md
        shows recall and time by value)."""
        dim = vectors.shape[1]
        if len(vectors) <= exact_max:
            index: faiss.Index = faiss.IndexFlatIP(dim)
        else:
            index = faiss.IndexHNSWFlat(dim, hnsw_m, faiss.METRIC_INNER_PRODUCT)
            index.hnsw.efConstruction = 80
            index.hnsw.efSearch = hnsw_ef_search
        index.add(np.ascontiguousarray(vectors, dtype=np.float32))
        return cls(index)

    @property
    def size(self) -> int:
        return int(self.index.ntotal)

    def search(self, vector: np.ndarray, top_n: int) -> tuple[np.ndarray, np.ndarray]:
        """Ids and cosine similarities of the ``top_n`` nearest chunks."""
        if self.size == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        scores, ids = self.index.search(vector.reshape(1, -1).astype(np.float32), min(top_n, self.size))
        keep = ids[0] >= 0
        return ids[0][keep].astype(np.int64), scores[0][keep]

    def score(self, vector: np.ndarray, ids: np.ndarray) -> np.ndarray:
        """Cosine similarities of the given chunks, whether or not they were nearest."""
        if not len(ids):
            return np.zeros(0, dtype=np.float32)
        stored = self.index.reconstruct_batch(np.asarray(ids, dtype=np.int64))
        return (stored @ vector.astype(np.float32)).astype(np.float32)

    def save(self, folder: Path) -> None:
        faiss.write_index(self.index, str(folder / "dense.faiss"))

    @classmethod
    def load(cls, folder: Path) -> DenseIndex:
        return cls(faiss.read_index(str(folder / "dense.faiss")))
