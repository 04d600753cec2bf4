from retrieval.bm25 import BM25Index
from retrieval.config import PipelineConfig

TEXTS = [
    "职工应当参加基本养老保险，由用人单位和职工共同缴纳基本养老保险费。",
    "无房职工租房自住的，可以提取住房公积金支付房租。",
    "申请居住证应当提交本人居民身份证、本人相片以及居住证明。",
]


def build(texts: list[str]) -> BM25Index:
    """An index with the shipped BM25 parameters."""
    bm25 = PipelineConfig.load().bm25
    return BM25Index.build(texts, k1=bm25.k1, b=bm25.b)


def test_the_chunk_covering_the_question_ranks_first_with_full_coverage():
    index = build(TEXTS)
    ids, scores = index.search("租房提取公积金", top_n=3)
    assert ids[0] == 1
    assert 0.5 < scores[0] <= 1.0


def test_traditional_and_full_width_queries_match_simplified_text():
    index = build(TEXTS)
    ids, _ = index.search("申請居住證，要提交什麼？", top_n=3)
    assert ids[0] == 2


def test_a_question_with_no_known_word_finds_nothing():
    index = build(TEXTS)
    ids, scores = index.search("今天天气怎么样", top_n=3)
    assert ids.size == 0 and scores.size == 0


def test_saved_index_answers_like_the_original(tmp_path):
    index = build(TEXTS)
    index.save(tmp_path)
    loaded = BM25Index.load(tmp_path)
    assert loaded.search("养老保险谁交", 3)[0].tolist() == index.search("养老保险谁交", 3)[0].tolist()
