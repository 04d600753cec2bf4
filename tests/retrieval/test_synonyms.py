import pytest

from retrieval.bm25 import BM25Index
from retrieval.config import PipelineConfig
from retrieval.synonyms import Synonyms
from retrieval.text import add_terms

TEXTS = ["机动车驾驶证记分周期为十二个月", "用人单位应当按时足额缴纳社会保险费", "居住证每年签注一次"]


def build(texts: list[str]) -> BM25Index:
    """An index with the shipped BM25 parameters."""
    bm25 = PipelineConfig.load().bm25
    return BM25Index.build(texts, k1=bm25.k1, b=bm25.b)


@pytest.fixture
def synonyms(tmp_path) -> Synonyms:
    path = tmp_path / "synonyms.txt"
    path.write_text("# everyday word, formal word\n机动车驾驶证 驾照\n记分 扣分\n社会保险 社保\n用人单位 公司\n")
    loaded = Synonyms.load(path)
    add_terms(loaded.words)
    return loaded


def test_everyday_words_find_the_formal_ones(synonyms):
    index = build(TEXTS)
    assert len(index.search("驾照扣分", 3)[0]) == 0
    ids, scores = index.search("驾照扣分", 3, synonyms)
    assert ids.tolist() == [0] and scores[0] > 0
    assert index.search("公司不交社保", 3, synonyms)[0].tolist()[:1] == [1]


def test_scoring_chosen_chunks_agrees_with_the_search(synonyms):
    index = build(TEXTS)
    ids, scores = index.search("公司不交社保", 3, synonyms)
    assert index.scores("公司不交社保", synonyms)[ids].tolist() == pytest.approx(scores.tolist())


@pytest.mark.parametrize(("content", "problem"), [("社保\n", "at least two words"), ("社保 社会保险\n社保 保险\n", "another group")])
def test_a_broken_synonym_file_names_its_line(tmp_path, content, problem):
    path = tmp_path / "synonyms.txt"
    path.write_text(content)
    with pytest.raises(ValueError, match=problem):
        Synonyms.load(path)


def test_a_split_word_in_the_question_finds_its_synonym(synonyms):
    """"扣几分" holds 扣分 split by a question word; the rule says 记12分."""
    index = build(["饮酒后驾驶机动车的，一次记12分", "饮酒后驾驶机动车的，处暂扣六个月机动车驾驶证"])
    ids, _ = index.search("酒后驾驶扣几分", 2, synonyms)
    assert ids.tolist()[:1] == [0]
