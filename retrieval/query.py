"""Understanding a chat turn as a search query: follow-ups and the aspect asked about.

Citizens ask "那需要什么材料？" after "公积金租房提取怎么办理": the follow-up names no
topic, so it is searched together with the earlier turn. An aspect word (材料, 地点,
多久 ...) also tells which field of a service guide answers the question.
"""

from __future__ import annotations

import re

from retrieval.text import names_a_topic, tokenize

# Guide field locators and the words citizens use for them.
ASPECTS: dict[str, tuple[str, ...]] = {
    "申请材料": ("材料", "资料", "证件", "带什么", "带啥", "带哪些", "哪些东西", "准备什么", "准备啥",
                 "提交什么", "提交哪些", "需要提供", "手续"),
    "办理地点": ("在哪", "哪里办", "哪儿办", "地点", "地址", "窗口", "去哪", "在什么地方", "网上", "线上", "网办"),
    "办理时限": ("多久", "几天", "时限", "多长时间", "多少天", "工作日", "多快"),
    "办理时间": ("几点", "上班时间", "办公时间", "周末", "什么时候上班", "开门"),
    "咨询电话": ("电话", "热线", "联系方式", "咨询电话", "打给谁"),
    "投诉电话": ("投诉", "投诉电话"),
    "受理条件": ("条件", "资格", "符合", "满足", "要求", "谁可以", "哪些人", "什么人可以", "能不能办", "可以办吗"),
}
# "多少天内可以申请复核" asks for the window to apply, which a guide states among its
# conditions (自认定书送达之日起十五日内), not for how long the office takes (办理时限).
_APPLICATION_WINDOW = re.compile(
    r"(多久|多长时间|几天|多少天|几个月|多少个月)(以内|之内|内)?(可以|能|才能|要|得|必须|应当|应该)?"
    r"(申请|提出|申报|复核|复议|重新|再次|补办|报名)"
)
# Nouns that name what a question is about rather than what it asks: in "在哪里交材料"
# the question is where, not which materials.
_OBJECT_WORDS = frozenset({"材料", "资料", "证件", "手续"})

# Words that only make sense with an earlier topic.
_FOLLOW_UP_START = re.compile(r"^(那|那么|那要|那如果|还有|另外|它|这个|这样|如果是|要是)")
_GENERIC_TOKENS = frozenset(
    {"材料", "资料", "地点", "地址", "时间", "时限", "电话", "条件", "网上", "线上", "多久", "几天",
     "流程", "费用", "钱", "窗口", "手续", "资格", "要求", "证件", "退休", "本人", "别人", "代办",
     "能办", "网办", "在线", "办吗", "可以", "收费"}
)


def aspect_of(query: str, name: str = "") -> str | None:
    """The guide field a question asks about, if it names one: a question word beats a
    bare noun, and a longer word a shorter one (投诉电话 is not 咨询电话). A word that is
    part of the service's ``name`` names the service, not a field: in "教师资格认定需要
    哪些材料" 资格 is not the question, 材料 is."""
    if _APPLICATION_WINDOW.search(query):
        return "受理条件"
    matches = [
        ((word not in _OBJECT_WORDS, len(word)), locator)
        for locator, words in ASPECTS.items()
        for word in words
        if word in query and word not in name
    ]
    return max(matches, key=lambda match: match[0])[1] if matches else None


def is_follow_up(query: str) -> bool:
    """True when the query names no topic of its own (or opens like a follow-up)."""
    if _FOLLOW_UP_START.match(query.strip()):
        return True
    topical = [t for t in tokenize(query) if t not in _GENERIC_TOKENS and len(t) > 1]
    return not topical


# A short turn that names no policy term continues the earlier topic ("多久能开出来").
SHORT_TURN = 12


def contextualize(query: str, history: list[str]) -> str:
    """The query to search: a follow-up is joined with the latest earlier turn, and with
    the turns before it as long as those name no topic ("普通话水平测试考完了", "证书怎么领",
    "在哪儿领？": the topic is two turns back)."""
    earlier = [turn.strip() for turn in history if turn and turn.strip()]
    short_and_topicless = len(query.strip()) <= SHORT_TURN and not names_a_topic(query)
    if not earlier or not (is_follow_up(query) or short_and_topicless):
        return query
    context = [earlier.pop()]
    while earlier and not names_a_topic(context[0]):
        context.insert(0, earlier.pop())
    return " ".join([*context, query])
