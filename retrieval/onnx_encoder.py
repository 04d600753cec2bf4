"""Serving a sentence-transformers model through ONNX Runtime.

A citizen's question is a dozen tokens: PyTorch's eager execution spends most of its
encoding time between operators, not in them. The same graph run by ONNX Runtime encodes
a query about three times faster on 2 cores (docs/bench.md) with vectors at cosine
≥ 0.99999 from PyTorch's, so cached passage vectors stay valid.

The model is exported once into a folder: the graph (transformer, pooling and
normalisation), its tokenizer and the few settings encoding needs. Serving from that
folder needs neither PyTorch nor the model's PyTorch weights in memory.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
import warnings
from pathlib import Path
from typing import Any

import numpy as np

GRAPH, TOKENIZER, SETTINGS = "model.onnx", "tokenizer.json", "settings.json"

# torch.onnx.export keeps global state and the part folder is named by process id: two
# threads of one process (an app's background rebuild and a request) export one at a time.
_EXPORT_LOCK = threading.Lock()


def export_graph(model: Any, folder: Path) -> None:
    """Export a loaded SentenceTransformer into ``folder``. Atomic: several processes may
    start at once, and a reader never sees a half-written folder."""
    with _EXPORT_LOCK:
        if not is_exported(folder):
            _export(model, folder)


def _export(model: Any, folder: Path) -> None:
    import torch

    class SentenceGraph(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            features = {"input_ids": input_ids, "attention_mask": attention_mask}
            return self.model(features)["sentence_embedding"]

    tokenizer = model.tokenizer
    # A padded sample, so the traced attention honours the mask.
    sample = tokenizer(["query: 社保", "passage: 第一条 为了规范社会保险关系"], padding=True, return_tensors="pt")
    partial = folder.with_name(f"{folder.name}.{os.getpid()}.part")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    # The tracer warns about every Python-side shape check it freezes; the graph is
    # checked against PyTorch's vectors by tests/retrieval/test_embedder.py instead.
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            SentenceGraph().eval(),
            (sample["input_ids"], sample["attention_mask"]),
            str(partial / GRAPH),
            input_names=["input_ids", "attention_mask"],
            output_names=["embedding"],
            dynamic_axes={
                "input_ids": {0: "batch", 1: "tokens"},
                "attention_mask": {0: "batch", 1: "tokens"},
                "embedding": {0: "batch"},
            },
            opset_version=17,
            dynamo=False,  # the TorchScript exporter handles the dynamic axes without onnxscript
        )
    tokenizer.backend_tokenizer.save(str(partial / TOKENIZER))
    settings = {
        "prompts": dict(model.prompts or {}),
        "max_seq_length": model.max_seq_length,
        "pad_id": tokenizer.pad_token_id,
        "pad_token": tokenizer.pad_token,
    }
    (partial / SETTINGS).write_text(json.dumps(settings, ensure_ascii=False, indent=1), encoding="utf-8")
    try:
        partial.rename(folder)
    except OSError:  # another process finished first: its export is as good
        shutil.rmtree(partial, ignore_errors=True)


def is_exported(folder: Path) -> bool:
    return all((folder / name).exists() for name in (GRAPH, TOKENIZER, SETTINGS))


class OnnxEncoder:
    """Encodes texts from an exported folder; tokenises as sentence-transformers does
    (prompt prepended, text stripped, truncated to the model's maximum length)."""

    def __init__(self, folder: Path, batch_size: int = 32) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        settings = json.loads((folder / SETTINGS).read_text(encoding="utf-8"))
        self.prompts: dict[str, str] = settings["prompts"]
        self.tokenizer = Tokenizer.from_file(str(folder / TOKENIZER))
        self.tokenizer.enable_truncation(settings["max_seq_length"])
        self.tokenizer.enable_padding(pad_id=settings["pad_id"], pad_token=settings["pad_token"])
        options = onnxruntime.SessionOptions()
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.session = onnxruntime.InferenceSession(str(folder / GRAPH), options, providers=["CPUExecutionProvider"])
        self.batch_size = batch_size
        width = self.session.get_outputs()[0].shape[-1]
        self.dim = width if isinstance(width, int) else self.encode(["维"], "").shape[1]

    def encode(self, texts: list[str], prompt: str) -> np.ndarray:
        """One L2-normalised float32 row per text, with the model's prompt of that name
        (``query``, ``passage``) if it has one. Texts are batched longest first, so a
        batch pads little."""
        prefix = self.prompts.get(prompt, "")
        order = np.argsort([-len(text) for text in texts], kind="stable")
        rows: list[np.ndarray] = [np.empty(0, np.float32)] * len(texts)
        for start in range(0, len(texts), self.batch_size):
            batch = order[start : start + self.batch_size]
            encodings = self.tokenizer.encode_batch([(prefix + texts[i]).strip() for i in batch])
            inputs = {
                "input_ids": np.array([e.ids for e in encodings], dtype=np.int64),
                "attention_mask": np.array([e.attention_mask for e in encodings], dtype=np.int64),
            }
            for i, vector in zip(batch, self.session.run(None, inputs)[0], strict=True):
                rows[i] = vector
        vectors = np.stack(rows).astype(np.float32)
        return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
