"""The evaluation knowledge bases, each built into its own throw-away WENZHENG_HOME.

Every KB is imported with the ordinary importer and indexed by the engine's own
rebuild, so the evaluation sees what `kb import` + `kb reindex` would give. Homes live
under ``var/eval/<name>`` and are rebuilt on every run; passage vectors come from the
shared embedding cache, so only new text is encoded.
"""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from flask import Flask
from tqdm import tqdm

from bot import create_app
from bot.config import PROJECT_ROOT
from core.db import session_scope
from core.settings import Settings
from knowledge_base.importer import import_path
from retrieval.embedder import CachedEmbedder, Embedder
from retrieval.service import RetrievalService

EVAL_DIR = PROJECT_ROOT / "tests" / "eval"
KB_DIR = EVAL_DIR / "kbs"


@dataclass(frozen=True)
class KnowledgeBase:
    name: str
    sources: tuple[Path, ...]  # files or folders given to `kb import`
    questions: Path
    description: str


KNOWLEDGE_BASES = (
    KnowledgeBase("demo", (PROJECT_ROOT / "knowledge_base" / "demo",), EVAL_DIR / "devset.jsonl",
                  "the demo KB `make demo` loads: 63 laws and regulations, 2,262 service guides, 166 FAQ entries"),
    KnowledgeBase("faq", (KB_DIR / "faq" / "faq.jsonl",), KB_DIR / "faq" / "questions.jsonl",
                  "FAQ only: 1,618 entries built from the Guangdong service guides (materials, where to apply)"),
    KnowledgeBase("notices", (KB_DIR / "notices" / "notices.jsonl",), KB_DIR / "notices" / "questions.jsonl",
                  "231 long policy notices without 第X条 (户籍, 入学, 社保, 住房 and land-planning distractors)"),
)


class ProgressEmbedder:
    """Encodes passages in small batches, showing progress (rate, ETA) of what the cache
    misses. ``as_queries`` embeds them with the query prompt instead (FAQ questions
    compared symmetrically with the citizen's) and keeps their vectors apart in the cache."""

    def __init__(self, inner: Embedder, label: str, as_queries: bool = False) -> None:
        self.inner, self.label, self.as_queries = inner, label, as_queries
        self.fingerprint = f"{inner.fingerprint}-query" if as_queries else inner.fingerprint

    @property
    def dim(self) -> int:
        return self.inner.dim

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self.inner.embed_queries(texts)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        encode = self.inner.embed_queries if self.as_queries else self.inner.embed_passages
        with tqdm(total=len(texts), desc=f"{self.label}: encoding", unit="chunk", leave=False) as bar:
            out = []
            for start in range(0, len(texts), 64):
                out.append(encode(texts[start:start + 64]))
                bar.update(len(out[-1]))
        return np.concatenate(out) if out else encode([])


def with_progress(embedder: Embedder, label: str) -> Embedder:
    """The same embedder, reporting progress of what it actually encodes."""
    if isinstance(embedder, CachedEmbedder):
        embedder.inner = ProgressEmbedder(embedder.inner, label)
        return embedder
    return ProgressEmbedder(embedder, label)


def build(kb: KnowledgeBase) -> Flask:
    """An app whose knowledge base holds ``kb`` only, imported, published and indexed."""
    home = PROJECT_ROOT / "var" / "eval" / kb.name
    shutil.rmtree(home, ignore_errors=True)
    shared = Settings.from_env()
    app = create_app({"HOME": str(home), "DATABASE_URL": f"sqlite:///{home / 'wenzheng.db'}",
                      "EMBEDDING_MODEL": shared.embedding_model,
                      "EMBEDDING_CACHE": shared.embedding_cache})
    service: RetrievalService = app.extensions["wenzheng.retrieval"]
    service.embedder = with_progress(service.embedder, kb.name)
    started = time.perf_counter()
    with app.app_context(), session_scope(app.extensions["wenzheng.sessions"]) as session:
        for source in kb.sources:
            import_path(session, source, "eval", publish=True)
    service.rebuild(wait=True)
    status = service.status()
    print(f"[{kb.name}] {status['items']} items, {status['chunks']} chunks indexed "
          f"in {time.perf_counter() - started:.0f}s", flush=True)
    return app
