"""The answer engine an app instance holds: live snapshot, search, answer, rebuild.

Searches read whichever snapshot ``CURRENT`` names; a rebuild happens in a background
thread and swaps the pointer atomically, so searching never waits for indexing and
every process of a deployment picks up the new generation on its next query.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from retrieval.answer import choice, compose
from retrieval.config import PipelineConfig
from retrieval.decision import ANSWER, Decision, decide
from retrieval.embedder import BACKENDS, CachedEmbedder, Embedder, shared_embedder
from retrieval.fusion import Candidate
from retrieval.index import IndexStore, Snapshot, chunk_records
from retrieval.records import RecordLoader
from retrieval.searcher import Searcher, SearchRun, Turn
from retrieval.text import add_terms, load_user_dictionary

log = logging.getLogger(__name__)

# The curated policy-term dictionary shipped with the project (also used by Rasa).
POLICY_TERMS = Path(__file__).resolve().parent.parent / "data" / "jieba" / "policy_terms.txt"


def result_of(cand: Candidate) -> dict[str, Any]:
    chunk = cand.chunk
    return {
        "source_id": chunk.source_id,
        "kind": chunk.kind,
        "title": chunk.title,
        "text": chunk.answer or chunk.text if chunk.kind == "faq" else chunk.text,
        "locator": chunk.cited_locator,
        "url": chunk.url,
        "version": chunk.version,
        "score": round(cand.fused, 4),
        "scores": {"bm25": round(cand.bm25, 4), "dense": round(cand.dense, 4), "fused": round(cand.fused, 4)},
    }


class RetrievalService:
    def __init__(
        self,
        records: RecordLoader,
        embedder: Embedder,
        store: IndexStore,
        config: PipelineConfig,
        user_dictionary: Path | None = None,
    ) -> None:
        self.records = records
        self.embedder = embedder
        self.store = store
        self.config = config
        if user_dictionary is not None:
            load_user_dictionary(user_dictionary)
        self._searcher: Searcher | None = None
        self._loaded_name: str | None = None
        self._load_lock = threading.Lock()
        self._build_lock = threading.Lock()
        self._pending = threading.Event()
        self._worker: threading.Thread | None = None
        self._preview: tuple[tuple[Any, ...], Searcher] | None = None

    @classmethod
    def from_config(cls, config: Any, records: RecordLoader) -> RetrievalService:
        cache = Path(config["EMBEDDING_CACHE"])
        if config["EMBEDDING_BACKEND"] not in BACKENDS:
            raise ValueError(f"EMBEDDING_BACKEND must be one of {BACKENDS}, not {config['EMBEDDING_BACKEND']!r}")
        onnx_dir = cache if config["EMBEDDING_BACKEND"] == "onnx" else None
        model = shared_embedder(config["EMBEDDING_MODEL"], onnx_dir)
        return cls(
            records=records,
            embedder=CachedEmbedder(model, cache),
            store=IndexStore(Path(config["INDEX_DIR"])),
            config=PipelineConfig.from_yaml(Path(config["RETRIEVAL_CONFIG"])),
            user_dictionary=POLICY_TERMS,
        )

    # -- the live snapshot ---------------------------------------------------------------

    def searcher(self) -> Searcher | None:
        """The searcher over the snapshot ``CURRENT`` names now (reloaded when it changes)."""
        name = self.store.current_name()
        if name != self._loaded_name:
            with self._load_lock:
                if name != self._loaded_name:
                    snapshot = self.store.load_current()
                    if snapshot:
                        add_terms(snapshot.terms)
                    self._searcher = Searcher(snapshot, self.embedder, self.config) if snapshot else None
                    self._loaded_name = name
        return self._searcher

    def status(self) -> dict[str, Any]:
        searcher = self.searcher()
        snapshot = searcher.snapshot if searcher else None
        return {
            "generation": snapshot.generation if snapshot else 0,
            "built_at": snapshot.built_at if snapshot else None,
            "items": snapshot.item_count if snapshot else 0,
            "chunks": len(snapshot.chunks) if snapshot else 0,
            "building": self._build_lock.locked(),
            "pending": self._pending.is_set(),
        }

    # -- building ------------------------------------------------------------------------

    def rebuild(self, wait: bool = False) -> int:
        """Rebuild the live index from the records in force; returns the generation now live
        (``wait=True``) or the one live before the background build started."""
        if wait:
            return self._build()
        self._pending.set()
        if self._worker is None or not self._worker.is_alive():
            self._worker = threading.Thread(target=self._drain, name="index-rebuild", daemon=True)
            self._worker.start()
        return self.status()["generation"]

    def _drain(self) -> None:
        while self._pending.is_set():
            self._pending.clear()
            try:
                self._build()
            except Exception:  # keep serving the last good index
                log.exception("index rebuild failed; the previous index stays live")

    def _build(self) -> int:
        with self._build_lock:
            started = time.perf_counter()
            sources = self.records.in_force()
            # Synonyms must be single tokens in the passages, like the policy terms.
            terms = list(dict.fromkeys([*self.records.terms(), *self.config.synonyms.words]))
            chunks = chunk_records(sources)
            add_terms(terms)
            snapshot = Snapshot.build(
                self.store.next_generation(), chunks, self.embedder, self.config, terms
            )
            self.store.publish(snapshot)
            log.info(
                "index generation %d: %d chunks of %d items in %.1fs",
                snapshot.generation, len(chunks), snapshot.item_count, time.perf_counter() - started,
            )
            return snapshot.generation

    # -- querying ------------------------------------------------------------------------

    def _turn(self, query: str, history: Iterable[str] | None, searcher: Searcher | None = None) -> Turn:
        searcher = searcher or self.searcher()
        if searcher is None:  # nothing indexed yet: nothing to say
            return Turn(query, SearchRun([]), decide([], self.config))
        return searcher.turn(query, list(history or []))

    def search(self, query: str, top_k: int = 5, history: Iterable[str] | None = None) -> dict[str, Any]:
        turn = self._turn(query, history)
        return {
            "decision": turn.decision.decision,
            "confidence": round(turn.decision.confidence, 4),
            "query": turn.understood,
            "results": [result_of(c) for c in turn.run.candidates[:top_k]],
            "timings_ms": {k: round(v, 2) for k, v in turn.run.timings.items()},
        }

    def answer(
        self,
        query: str,
        history: Iterable[str] | None = None,
        pick: dict[str, str] | None = None,
        searcher: Searcher | None = None,
        with_sources: bool = False,
    ) -> dict[str, Any]:
        """The decision and its answer; ``with_sources`` adds the chosen passages in full."""
        turn = self._turn(query, history, searcher)
        run, decision, understood = turn.run, turn.decision, turn.understood
        if pick:
            chosen = next(
                (c for c in run.candidates if c.chunk.source_id == pick.get("source_id")
                 and (c.chunk.kind == "faq" or c.chunk.locator == pick.get("locator", ""))),
                None,
            ) or self._lookup(pick, searcher)
            if chosen is not None:
                decision = Decision(ANSWER, max(decision.confidence, 0.9), [chosen])
        text, citations, choices = compose(decision, turn.channel)
        alternatives = run.candidates[1:4] if decision.decision == ANSWER else []
        result = {
            "decision": decision.decision,
            "confidence": round(decision.confidence, 4),
            "answer": text,
            "citations": citations,
            "candidates": choices or [choice(c) for c in alternatives],
            "query": understood,
            "results": [result_of(c) for c in run.candidates[:5]],
        }
        if with_sources:
            result["sources"] = [result_of(c) for c in decision.candidates] if citations else []
        return result

    def _lookup(self, pick: dict[str, str], searcher: Searcher | None) -> Candidate | None:
        """The chunk a citizen picked from a clarify list, found without searching."""
        searcher = searcher or self.searcher()
        if searcher is None:
            return None
        for chunk in searcher.snapshot.chunks:
            if chunk.source_id == pick.get("source_id") and (
                chunk.kind == "faq" or chunk.locator == pick.get("locator", "")
            ):
                return Candidate(chunk)
        return None

    def preview(self, query: str, drafts: bool = True, with_sources: bool = False) -> dict[str, Any]:
        """Search and answer as citizens would see it — over drafts too, before publishing."""
        searcher = self._draft_searcher() if drafts else None
        result = self.answer(query, searcher=searcher, with_sources=with_sources)
        result["over"] = "drafts" if drafts else "published"
        return result

    def _draft_searcher(self) -> Searcher:
        """A throw-away snapshot of what would be live if every draft were published (and every
        publication not yet in force had taken effect), kept while nothing changes."""
        key = (self.store.current_name(), self.records.preview_stamp())
        if self._preview and self._preview[0] == key:
            return self._preview[1]
        snapshot = Snapshot.build(0, chunk_records(self.records.preview()), self.embedder, self.config)
        searcher = Searcher(snapshot, self.embedder, self.config)
        self._preview = (key, searcher)
        return searcher

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        """Normalised query vectors (for clustering questions into gaps)."""
        return self.embedder.embed_queries(texts)
