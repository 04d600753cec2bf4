from pathlib import Path

import numpy as np
import pytest

from retrieval.embedder import SentenceTransformerEmbedder

TEXTS = ["社保断缴了怎么办", "公积金租房提取需要什么材料", "第十二条 用人单位应当按时足额缴纳社会保险费。"]


def test_bfloat16_encoding_gives_the_float32_vectors(model_dir: Path):
    """What makes bfloat16 safe to switch on: cached float32 passages still match."""
    exact = SentenceTransformerEmbedder(str(model_dir), precision="float32")
    fast = SentenceTransformerEmbedder(str(model_dir), precision="bfloat16")
    for encode in ("embed_queries", "embed_passages"):
        a, b = getattr(exact, encode)(TEXTS), getattr(fast, encode)(TEXTS)
        assert b.dtype == np.float32
        assert np.min(np.sum(a * b, axis=1)) > 0.9999
    assert fast.fingerprint == exact.fingerprint


def test_an_unknown_precision_is_refused(model_dir: Path):
    with pytest.raises(ValueError, match="not .float16."):
        SentenceTransformerEmbedder(str(model_dir), precision="float16")
