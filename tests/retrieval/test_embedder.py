from pathlib import Path

import numpy as np
import pytest

from retrieval.embedder import SentenceTransformerEmbedder
from retrieval.service import RetrievalService

TEXTS = ["社保断缴了怎么办", "公积金租房提取需要什么材料", "第十二条 用人单位应当按时足额缴纳社会保险费。" * 30, "身份证"]


def test_onnx_runtime_gives_the_pytorch_vectors(model_dir: Path, tmp_path: Path):
    """What makes the faster runtime safe: queries and passages (short, long, batched
    together) land where PyTorch puts them, so cached passage vectors stay valid."""
    torch_model = SentenceTransformerEmbedder(str(model_dir))
    onnx_model = SentenceTransformerEmbedder(str(model_dir), onnx_dir=tmp_path)
    for encode in ("embed_queries", "embed_passages"):
        a, b = getattr(torch_model, encode)(TEXTS), getattr(onnx_model, encode)(TEXTS)
        assert b.dtype == np.float32 and b.shape == a.shape
        assert np.min(np.sum(a * b, axis=1)) > 0.9999
        assert np.allclose(np.linalg.norm(b, axis=1), 1.0, atol=1e-5)
    assert onnx_model.fingerprint == torch_model.fingerprint
    assert onnx_model.onnx_export is not None and onnx_model.onnx_export.exists()


def test_an_exported_graph_is_reused(model_dir: Path, tmp_path: Path):
    first = SentenceTransformerEmbedder(str(model_dir), onnx_dir=tmp_path)
    first.embed_queries(["社保"])
    assert first.onnx_export is not None
    graph = first.onnx_export / "model.onnx"
    written = graph.stat().st_mtime_ns
    second = SentenceTransformerEmbedder(str(model_dir), onnx_dir=tmp_path)
    assert np.allclose(second.embed_queries(["社保"]), first.embed_queries(["社保"]))
    assert graph.stat().st_mtime_ns == written
    assert [p.name for p in tmp_path.iterdir()] == [first.onnx_export.name]  # no partial export left


def test_an_unknown_backend_is_refused(app):
    config = {**app.config, "EMBEDDING_BACKEND": "tensorrt"}
    with pytest.raises(ValueError, match="not 'tensorrt'"):
        RetrievalService.from_config(config, records=None)
