"""Text embedders: the ``Embedder`` protocol and its sentence-transformers implementation."""

from __future__ import annotations

import functools
import hashlib
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from retrieval.onnx_encoder import OnnxEncoder, export_graph, is_exported


class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors (one row per text)."""

    @property
    def dim(self) -> int: ...

    @property
    def fingerprint(self) -> str: ...

    def embed_queries(self, texts: list[str]) -> np.ndarray: ...

    def embed_passages(self, texts: list[str]) -> np.ndarray: ...


# How a SentenceTransformerEmbedder runs its model: ONNX Runtime from an exported graph, or PyTorch.
BACKENDS = ("onnx", "torch")


class SentenceTransformerEmbedder:
    """Any local sentence-transformers model; uses its ``query``/``passage`` prompts if any.

    The model is loaded on first use, so creating an app stays cheap. With ``onnx_dir``
    set, texts are encoded by ONNX Runtime from the model's graph exported there (on first
    use if missing): about three times faster per query, same vectors
    (``retrieval.onnx_encoder``). Without it, PyTorch encodes.
    """

    def __init__(
        self, model: str, batch_size: int = 32, max_seq_length: int = 256, onnx_dir: Path | None = None
    ) -> None:
        self.model_name = model
        self.batch_size = batch_size
        self.max_seq_length = max_seq_length
        self._encode: Callable[[list[str], str], np.ndarray] | None = None
        self._dim = 0
        self._lock = threading.Lock()
        self.fingerprint = hashlib.sha1(f"{Path(model).name}:{max_seq_length}".encode()).hexdigest()[:12]
        # The folder the model is exported to (graph, tokenizer, settings), under onnx_dir.
        self.onnx_export = onnx_dir / f"onnx-{self.fingerprint}" if onnx_dir else None

    def _encoder(self) -> Callable[[list[str], str], np.ndarray]:
        if self._encode is None:
            with self._lock:
                if self._encode is None:
                    self._encode = self._load()
        return self._encode

    def _load(self) -> Callable[[list[str], str], np.ndarray]:
        if self.onnx_export is not None:
            if not is_exported(self.onnx_export):
                export_graph(self._sentence_transformer(), self.onnx_export)
            onnx = OnnxEncoder(self.onnx_export, self.batch_size)
            self._dim = onnx.dim
            return onnx.encode
        model = self._sentence_transformer()
        # Renamed in sentence-transformers 6; older releases only have the long name.
        dimension = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        self._dim = int(dimension())

        def encode(texts: list[str], prompt: str) -> np.ndarray:
            return model.encode(
                texts,
                prompt_name=prompt if prompt in (model.prompts or {}) else None,
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )

        return encode

    def _sentence_transformer(self) -> Any:
        from sentence_transformers import SentenceTransformer

        model = SentenceTransformer(self.model_name, device="cpu", local_files_only=True)
        model.max_seq_length = self.max_seq_length
        return model

    @property
    def dim(self) -> int:
        self._encoder()
        return self._dim

    def _embed(self, texts: list[str], prompt: str) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.asarray(self._encoder()(texts, prompt), dtype=np.float32)

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self._embed(texts, "query")

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return self._embed(texts, "passage")


@functools.lru_cache(maxsize=8)
def shared_embedder(model: str, onnx_dir: Path | None) -> SentenceTransformerEmbedder:
    """One loaded model per (model, export folder) and process: app instances built in one
    process (the test suite, the eval harness) share it instead of each loading its own
    copy of several hundred MB."""
    return SentenceTransformerEmbedder(model, onnx_dir=onnx_dir)


class CachedEmbedder:
    """Remembers passage vectors by content hash, so a rebuild only encodes what changed."""

    def __init__(self, inner: Embedder, cache_dir: Path) -> None:
        self.inner = inner
        cache_dir.mkdir(parents=True, exist_ok=True)
        self._path = cache_dir / f"passages-{inner.fingerprint}.sqlite"
        self._lock = threading.Lock()
        with self._connect() as conn:
            conn.execute("CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, vec BLOB)")

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self._path, timeout=30)

    @property
    def dim(self) -> int:
        return self.inner.dim

    @property
    def fingerprint(self) -> str:
        return self.inner.fingerprint

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self.inner.embed_queries(texts)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        keys = [hashlib.sha1(text.encode()).hexdigest() for text in texts]
        found: dict[str, np.ndarray] = {}
        with self._lock, self._connect() as conn:
            for start in range(0, len(keys), 500):
                batch = keys[start : start + 500]
                marks = ",".join("?" * len(batch))
                for key, blob in conn.execute(
                    f"SELECT key, vec FROM vectors WHERE key IN ({marks})", batch
                ):
                    found[key] = np.frombuffer(blob, dtype=np.float32)
        missing = [i for i, key in enumerate(keys) if key not in found]
        # Encode and store in slices, so an interrupted build keeps what it paid for.
        for start in range(0, len(missing), 512):
            positions = missing[start : start + 512]
            fresh = self.inner.embed_passages([texts[i] for i in positions])
            with self._lock, self._connect() as conn:
                conn.executemany(
                    "INSERT OR REPLACE INTO vectors VALUES (?, ?)",
                    [(keys[i], fresh[j].tobytes()) for j, i in enumerate(positions)],
                )
            for j, i in enumerate(positions):
                found[keys[i]] = fresh[j]
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([found[key] for key in keys]).astype(np.float32)
