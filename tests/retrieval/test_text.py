import pytest

from retrieval.text import tokenize


@pytest.mark.parametrize(
    ("text", "joined"),
    [("酒驾扣多少分", "扣分"), ("闯红灯扣几分", "扣分"), ("扣了3分", "扣分"), ("一次记12分", "记分"),
     ("请三天假", "请假"), ("请半天假", "请假"), ("每天加两个小时班", "加班")],
)
def test_a_split_verb_object_word_also_counts_joined(text, joined):
    assert joined in tokenize(text)


@pytest.mark.parametrize(("text", "word"), [("记三分之一", "记分"), ("加几分", "加分"), ("加几分", "加班")])
def test_words_that_only_look_split_are_not_joined(text, word):
    assert word not in tokenize(text)
