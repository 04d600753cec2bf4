import pytest

from retrieval.config import PipelineConfig
from retrieval.service import POLICY_TERMS
from retrieval.spelling import HomophoneSpeller
from retrieval.text import dictionary_words, is_word, load_user_dictionary
from retrieval.vocabulary import curated_terms


@pytest.fixture(scope="module")
def speller(shipped: PipelineConfig) -> HomophoneSpeller:
    """Built as the searcher builds it: the curated terms and the synonym words."""
    load_user_dictionary(POLICY_TERMS)
    return HomophoneSpeller([*curated_terms(), *shipped.synonyms.words], is_word, dictionary_words)


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("社宝断交三个月有影响吗", "社保断交三个月有影响吗"),
        ("低宝申请要去哪里提交", "低保申请要去哪里提交"),
        ("户照快过期了去哪里换", "护照快过期了去哪里换"),
        ("公基金怎么取", "公积金怎么取"),
        ("结昏证怎么办", "结婚证怎么办"),
        # Input methods ignore tones, so typists do too: 交 jiāo for 缴 jiǎo, 找 for 照.
        ("个税汇算清交几月份截止", "个税汇算清缴几月份截止"),
        ("我要办驾找", "我要办驾照"),
    ],
)
def test_pinyin_typos_of_policy_terms_are_corrected(speller, typed, meant):
    assert speller.correct(typed) == meant


@pytest.mark.parametrize(
    "text",
    [
        "公积金租房提取怎么办理",
        "我已报名了",  # 已报 sounds like 医保 but cuts through 报名
        "特困人员供养",  # 员供 sounds like 员工 but spans two words
        "入职公司说要过了试用期才给上社保",  # 职公 / 职工 likewise
        "结婚登记去哪里办户口不在一起",  # 户口 + 不, not a typo of 户口簿
    ],
)
def test_correct_text_and_near_misses_are_left_alone(speller, text):
    assert speller.correct(text) == text
