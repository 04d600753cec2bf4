"""`make bench`: search latency by stage, index build throughput, memory, and scaling.

Usage: ``python -m bench.retrieval [--out docs/bench.md] [--quick]``. Runs against the
app's configured knowledge base (``make demo``); the scaling part uses synthetic vectors.
"""

from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from bench.eval.cases import load_cases
from bench.eval.kbs import KNOWLEDGE_BASES
from bot import create_app
from bot.config import PROJECT_ROOT
from retrieval.bm25 import BM25Index
from retrieval.config import Dense
from retrieval.dense import DenseIndex
from retrieval.embedder import CachedEmbedder
from retrieval.query import contextualize
from retrieval.service import RetrievalService


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.array(values), q))


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def search_latency(service: RetrievalService, rounds: int) -> tuple[dict[str, list[float]], int]:
    cases = load_cases(KNOWLEDGE_BASES[0].questions)
    queries = [contextualize(c.question, c.history) for c in cases]
    searcher = service.searcher()
    assert searcher is not None, "no index: run `make demo` first"
    for q in queries[:20]:  # warm up
        searcher.run(q)
    stages: dict[str, list[float]] = {"total": []}
    for _ in range(rounds):
        for q in queries:
            t0 = time.perf_counter()
            run = searcher.run(q)
            stages["total"].append((time.perf_counter() - t0) * 1000)
            for stage, ms in run.timings.items():
                stages.setdefault(stage, []).append(ms)
    return stages, len(searcher.snapshot.chunks)


def build_throughput(service: RetrievalService, sample: int) -> dict[str, float]:
    searcher = service.searcher()
    assert searcher is not None
    chunks = searcher.snapshot.chunks
    texts = [c.search_text for c in chunks]
    rng = np.random.default_rng(0)
    picked = [texts[i] for i in rng.choice(len(texts), size=min(sample, len(texts)), replace=False)]
    t0 = time.perf_counter()
    assert isinstance(service.embedder, CachedEmbedder)
    service.embedder.inner.embed_passages(picked)  # uncached: the real encoding cost
    encode_rate = len(picked) / (time.perf_counter() - t0)
    t0 = time.perf_counter()
    BM25Index.build(texts, k1=service.config.bm25.k1, b=service.config.bm25.b)
    bm25_s = time.perf_counter() - t0
    vectors = service.embedder.embed_passages(texts)  # cached
    t0 = time.perf_counter()
    dense = service.config.dense
    DenseIndex.build(vectors, exact_max=dense.exact_max, hnsw_m=dense.hnsw_m, hnsw_ef_search=dense.hnsw_ef_search)
    faiss_s = time.perf_counter() - t0
    return {"chunks": len(texts), "encode_per_s": encode_rate, "bm25_s": bm25_s, "faiss_s": faiss_s}


EF_SEARCH = (64, 128, 256, 512)


def scaling(sizes: list[int], dense: Dense, dim: int = 384, queries: int = 200) -> list[dict[str, float]]:
    """Exact vs approximate FAISS search on synthetic clustered unit vectors."""
    rng = np.random.default_rng(1)
    rows = []
    for n in sizes:
        centers = rng.standard_normal((1024, dim)).astype(np.float32)
        data = centers[rng.integers(0, 1024, n)] + 0.6 * rng.standard_normal((n, dim)).astype(np.float32)
        data /= np.linalg.norm(data, axis=1, keepdims=True)
        q = data[rng.integers(0, n, queries)] + 0.1 * rng.standard_normal((queries, dim)).astype(np.float32)
        q /= np.linalg.norm(q, axis=1, keepdims=True)
        exact = faiss.IndexFlatIP(dim)
        exact.add(data)
        t0 = time.perf_counter()
        truth = np.stack([exact.search(q[i : i + 1], 10)[1][0] for i in range(queries)])
        exact_ms = (time.perf_counter() - t0) * 1000 / queries
        t0 = time.perf_counter()
        approx: Any = DenseIndex.build(  # an HNSW index with exact_max=0
            data, exact_max=0, hnsw_m=dense.hnsw_m, hnsw_ef_search=dense.hnsw_ef_search
        ).index
        build_s = time.perf_counter() - t0
        for ef in EF_SEARCH:
            approx.hnsw.efSearch = ef
            t0 = time.perf_counter()
            found = np.stack([approx.search(q[i : i + 1], 10)[1][0] for i in range(queries)])
            approx_ms = (time.perf_counter() - t0) * 1000 / queries
            recall = float(np.mean([len(set(found[i]) & set(truth[i])) / 10 for i in range(queries)]))
            rows.append({"n": n, "exact_ms": exact_ms, "ef": ef, "hnsw_ms": approx_ms, "hnsw_build_s": build_s, "recall10": recall})
        del exact, approx, data
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "docs" / "bench.md")
    parser.add_argument("--quick", action="store_true", help="fewer rounds; scaling to 100k only")
    args = parser.parse_args()
    faiss.omp_set_num_threads(1)  # one query per request: measure what a request costs
    app = create_app()
    service: RetrievalService = app.extensions["wenzheng.retrieval"]
    t0 = time.perf_counter()
    service.searcher()
    load_s = time.perf_counter() - t0
    stages, n_chunks = search_latency(service, rounds=1 if args.quick else 3)
    build = build_throughput(service, sample=200 if args.quick else 500)
    rss = rss_mb()
    dense = service.config.dense
    scale = scaling([100_000] if args.quick else [100_000, 1_000_000], dense)

    lines = [
        "# Retrieval benchmark",
        "",
        f"Machine: {Path('/proc/cpuinfo').read_text().count('processor')} cores. Demo KB: {n_chunks} chunks in force. "
        f"Queries: the {len(load_cases(KNOWLEDGE_BASES[0].questions))} development-set questions, {len(stages['total'])} searches.",
        "",
        "## Search latency (ms, one query at a time)",
        "",
        "| stage | median | p95 |",
        "|---|---|---|",
    ]
    for stage in ("query", "encode", "faiss", "bm25", "fusion", "total"):
        lines.append(f"| {stage} | {percentile(stages[stage], 50):.2f} | {percentile(stages[stage], 95):.2f} |")
    lines += [
        "",
        "`query`: normalisation and the homophone speller. Targets: median ≤ 25 ms, p95 ≤ 60 ms.",
        "",
        "## Index build",
        "",
        f"- Snapshot load from disk: {load_s:.2f} s",
        f"- Passage encoding (uncached): {build['encode_per_s']:.0f} chunks/s",
        f"- BM25 build over {build['chunks']} chunks: {build['bm25_s']:.2f} s "
        f"({build['chunks'] / build['bm25_s']:.0f} chunks/s)",
        f"- FAISS build (vectors cached): {build['faiss_s']:.3f} s",
        f"- Peak RSS of this process (model + index + benchmark): {rss:.0f} MB",
        "",
        "## Scaling of the dense index (synthetic 384-d vectors, 1 thread)",
        "",
        f"HNSW (M {dense.hnsw_m}) by `efSearch`, the candidates it visits per query "
        f"(`dense.hnsw_ef_search` in pipeline.yml, default {dense.hnsw_ef_search}).",
        "",
        "| chunks | exact search ms | efSearch | HNSW search ms | HNSW recall@10 vs exact | HNSW build s |",
        "|---|---|---|---|---|---|",
    ]
    for row in scale:
        lines.append(
            f"| {row['n']:,} | {row['exact_ms']:.2f} | {row['ef']} | {row['hnsw_ms']:.3f} | "
            f"{row['recall10']:.3f} | {row['hnsw_build_s']:.1f} |"
        )
    text = "\n".join(lines) + "\n"
    args.out.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
