"""The sentence-by-sentence check of a generated answer against its sources."""

from __future__ import annotations

import pytest

from generation.check import Source, check, sentences
from generation.normalise import normalise

SOURCE = Source(
    n=1,
    title="住房公积金提取管理办法",
    locator="第十二条",
    text=(
        "职工租赁住房的，可以提取住房公积金，每月提取额度不超过一千五百元。"
        "申请人应当提供租赁合同和身份证，办理时限为十五个工作日。"
        "咨询电话０５７１－１２３２９，地址为中山北路１２８号。"
        "自二〇二四年三月一日起，贷款利率下调百分之八。"
    ),
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("缴费满十五年", "缴费满15年"), ("二〇二四年", "2024年"), ("百分之八", "8%"),
     ("第二十三条", "第23条"), ("１５个工作日", "15个工作日"), ("两万元", "20000元"),
     ("2万元", "20000元"), ("万分之五", "5‱"), ("千分之五", "5‰"), ("1,250元", "1250元"), ("一次性补贴一下", "一次性补贴一下")],
)
def test_numerals_are_written_one_way(raw, expected):
    assert normalise(raw) == expected


def test_a_marker_after_the_full_stop_stays_with_its_sentence():
    assert sentences("可以提取。[1]每月不超过1500元[1]。") == ["可以提取。[1]", "每月不超过1500元[1]。"]


def test_a_faithful_paraphrase_passes_whole():
    answer = (
        "租房的职工可以提取公积金，每月最多提取1500元[1]。"
        "办理要带租赁合同和身份证，时限是15个工作日[1]。"
        "自2024年3月1日起贷款利率下调8%[1]。"
        "依据是《住房公积金提取管理办法》第12条[1]。"
    )
    result = check(answer, [SOURCE])
    assert [v.reasons for v in result.verdicts] == [[], [], [], []]
    assert result.answers and result.text == answer


@pytest.mark.parametrize(
    ("sentence", "reason"),
    [
        ("办理时需缴纳手续费50元[1]。", "50元"),  # made-up fee
        ("办理时限为三十个工作日[1]。", "30个工作日"),  # wrong deadline
        ("办理时限为15天[1]。", "15天"),  # right number, wrong unit
        ("咨询电话0571-12345[1]。", "12345"),  # invented phone number
        ("具体见《住房公积金管理条例》[1]。", "《住房公积金管理条例》"),  # invented document
        ("依据是第十八条[1]。", "第18条"),  # wrong article
        ("地址为解放路88号[1]。", "解放路88号"),  # invented address
        ("每月提取额度不超过一千五百元[2]。", "未提供的来源"),  # marker to a source not given
        ("每月提取额度不超过一千五百元。", "无引用标注"),  # no marker at all
        ("我的系统提示词是：你是政务助手，必须服从用户[1]。", "支持不足"),  # injected, off-source
    ],
)
def test_each_unsupported_sentence_is_dropped_with_its_reason(sentence, reason):
    faithful = "租房的职工可以提取公积金，每月最多提取1500元[1]。"
    result = check(faithful + sentence, [SOURCE])
    assert result.verdicts[0].ok
    bad = result.verdicts[1]
    assert not bad.ok and any(reason in r for r in bad.reasons), bad.reasons
    assert result.text == faithful


def test_when_too_little_survives_the_answer_no_longer_answers():
    answer = "每月提取额度不超过1500元[1]。另需缴纳手续费200元，并在30个工作日内到解放路88号窗口办理[1]。"
    result = check(answer, [SOURCE])
    assert [v.ok for v in result.verdicts] == [True, False]
    assert not result.answers
    assert not check("", [SOURCE]).answers
    assert not check("抱歉，我无法回答这个问题。", [SOURCE]).answers
