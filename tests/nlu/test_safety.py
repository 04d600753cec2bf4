"""The safety words shared by Rasa's IntentGuard and the chat relay."""

from __future__ import annotations

import pytest

from nlu_components.safety import emergency_message, is_safety_message


@pytest.mark.parametrize(
    "text",
    [
        "我要结束这一切",
        "我想一了百了",
        "活够了",
        "我不想再活下去了",
        "我想自殺",
        "家里著火了",
        "活著没意思",
        "有人持刀",
        "我老婆被她前夫打了，在流血",
        "儿子一直喘不上气，嘴唇都紫了",
        "走廊里全是烟，我们出不去",
        "我想自杀，工伤赔偿一直不给",  # a policy word does not silence a cry for help
        "家里燃气漏了好大味道",
        # indirect danger, written without the obvious words
        "我朋友坐在天台边上，一句话也不说",
        "我爸留了一封信就出门了，说别找他",
        "他扬言要泼汽油烧了我们店",
        "奶奶突然口齿不清，嘴歪了",
        "厨房插座在冒火花",
        "我把存的钱都留给妹妹了，你们以后自己保重",
        "儿子吃了好几颗安眠药",
    ],
)
def test_distress_and_danger_are_recognised(text):
    assert is_safety_message(text)


@pytest.mark.parametrize(
    "text",
    [
        "结束对话",
        "结束咨询",
        "社保断缴了怎么办",
        "生育津贴怎么领",
        "我失业了怎么办",
        "再见",
        "社保局电话一直打不通",
        "离开本市以后公积金怎么办",
    ],
)
def test_ordinary_lines_are_not_alarms(text):
    assert not is_safety_message(text)


@pytest.mark.parametrize(
    "text",
    [
        "工人在车间触电身亡，工亡补助金怎么算",
        "职工跳楼自杀的，单位要赔偿吗",
        "报警器坏了找谁修",
        "昏迷住院的病人医保怎么结算",
        "被人打伤了，医药费医保能报销吗",
        "溺水身亡的人社保怎么办理注销",
        "电动车起火烧了邻居的车，物业有责任吗",
        "工地塌方受伤的工人怎么申请工伤",
        "老人走丢后被救助站送回，费用谁出",
        # a question of the knowledge base, which alarmed when 紧急情况 was a cue of its own
        "因扑救森林火灾等紧急情况需要采伐林木，备案需要什么材料？",
    ],
)
def test_alarming_words_in_a_policy_question_are_not_alarms(text):
    assert not is_safety_message(text)


def test_the_emergency_message_is_the_bots_and_names_every_hotline():
    message = emergency_message()
    for number in ("110", "120", "119", "12356"):
        assert number in message
