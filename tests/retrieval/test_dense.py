from pathlib import Path

import numpy as np

from retrieval.dense import DenseIndex


def unit_vectors(n: int, dim: int = 32, seed: int = 3) -> np.ndarray:
    vectors = np.random.default_rng(seed).standard_normal((n, dim)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_small_indexes_are_exact_and_large_ones_approximate_with_high_recall():
    vectors, queries = unit_vectors(3000), unit_vectors(50, seed=4)
    exact = DenseIndex.build(vectors, exact_max=5000, hnsw_m=16, hnsw_ef_search=128)
    approx = DenseIndex.build(vectors, exact_max=1000, hnsw_m=16, hnsw_ef_search=128)
    assert type(exact.index).__name__ == "IndexFlatIP"
    assert type(approx.index).__name__ == "IndexHNSWFlat"
    recall = np.mean([
        len(set(approx.search(q, 10)[0]) & set(exact.search(q, 10)[0])) / 10 for q in queries
    ])
    assert recall >= 0.95


def test_the_configured_search_breadth_survives_a_restart(tmp_path: Path):
    DenseIndex.build(unit_vectors(500), exact_max=100, hnsw_m=16, hnsw_ef_search=77).save(tmp_path)
    assert DenseIndex.load(tmp_path).index.hnsw.efSearch == 77
