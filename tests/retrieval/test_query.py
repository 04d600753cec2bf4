import pytest

from retrieval.query import aspect_of, contextualize, is_follow_up
from retrieval.service import POLICY_TERMS
from retrieval.text import load_user_dictionary


@pytest.fixture(autouse=True, scope="module")
def policy_terms():
    """The app loads the policy-term dictionary at start; so do these tests."""
    load_user_dictionary(POLICY_TERMS)


@pytest.mark.parametrize("text", ["那需要什么材料？", "网上能办吗", "要多久", "在哪里办", "那如果是退休了呢"])
def test_elliptical_turns_are_follow_ups(text):
    assert is_follow_up(text)


@pytest.mark.parametrize("text", ["公积金租房提取怎么办理", "居住证怎么办", "社保断缴有什么影响"])
def test_questions_with_their_own_topic_are_not(text):
    assert not is_follow_up(text)


def test_follow_up_is_searched_in_the_topic_of_the_earlier_turn():
    assert contextualize("那需要什么材料？", ["公积金租房提取怎么办理"]) == "公积金租房提取怎么办理 那需要什么材料？"
    assert contextualize("居住证怎么办", ["公积金租房提取怎么办理"]) == "居住证怎么办"


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("办这个要带什么材料", "申请材料"), ("在哪里办", "办理地点"), ("要几天能办好", "办理时限"),
        ("咨询电话多少", "咨询电话"),
        # The question word decides, not the thing asked about; the longer word wins.
        ("在哪里交材料", "办理地点"), ("低保申请的投诉电话是多少", "投诉电话"),
        # How long one has to apply is a condition; how long the office takes is the time limit.
        ("对火灾事故认定书不服，多少天内可以申请复核", "受理条件"), ("残疾等级变了，多久可以重新评定", "受理条件"),
        ("申请复核以后多久能出结果", "办理时限"),
    ],
)
def test_the_aspect_names_the_guide_field(text, field):
    assert aspect_of(text) == field


def test_a_word_of_the_service_name_is_not_the_aspect():
    # 资格 belongs to 教师资格认定: the citizen asks for the materials.
    assert aspect_of("高校教师资格认定需要哪些材料", "高等学校教师资格认定") == "申请材料"
    assert aspect_of("高校教师资格认定需要哪些材料") == "受理条件"


def test_a_chain_of_follow_ups_reaches_back_to_the_turn_that_named_the_topic():
    history = ["普通话水平测试考完了", "证书怎么领"]
    assert contextualize("在哪儿领？", history) == "普通话水平测试考完了 证书怎么领 在哪儿领？"
    # The latest turn names its own topic: nothing older is needed.
    assert contextualize("要带什么", ["公积金租房提取怎么办理", "居住证怎么办"]) == "居住证怎么办 要带什么"
