"""A small deterministic embedder for suites whose results do not depend on ranking quality.

Character 1- to 3-grams are hashed into 384 signed dimensions (the size of
multilingual-e5-small's vectors) and L2-normalised: the same text always gives the same
vector, texts sharing wording are close, and nothing is loaded (the real model is 471 MB
and a few seconds per process to load). Implements ``retrieval.embedder.Embedder``.
"""

from __future__ import annotations

import zlib

import numpy as np

DIM = 384
NGRAMS = (1, 2, 3)


class HashingEmbedder:
    dim = DIM
    fingerprint = "fake-ngram-384"

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self._embed(texts)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return self._embed(texts)

    def _embed(self, texts: list[str]) -> np.ndarray:
        vectors = np.zeros((len(texts), DIM), dtype=np.float32)
        for row, text in enumerate(texts):
            for n in NGRAMS:
                for start in range(len(text) - n + 1):
                    code = zlib.crc32(text[start : start + n].encode())
                    vectors[row, code % DIM] += 1.0 if code & 0x80000000 else -1.0
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.where(norms == 0, 1.0, norms)
