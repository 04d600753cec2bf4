"""Words that signal danger to life, and what the assistant says to them.

Shared by Rasa's ``IntentGuard`` and the app's chat relay (which still has to react while
a conversation is handed off and Rasa sees nothing), so it imports neither Rasa nor Flask.
Traditional forms are listed too: the app matches the raw citizen text, Rasa the text
after OpenCC t2s, which keeps some traditional characters (活著沒意思 becomes 活著没意思).

Two kinds of cue (measured in docs/safety.md on bench/safety, tuned on its dev half):
``DANGER_PATTERN`` is what only someone in danger, or seeing it, writes (不想活了, 叫不醒,
拿刀要砍我, 楼道里全是烟); ``AMBIGUOUS_PATTERN`` words are danger in a cry for help but
policy terms in a question about benefits or procedures (自杀 in the 工亡 rules, 报警回执,
触电 as a work accident, 救护车费用), so they alarm unless ``POLICY_CONTEXT`` shows the
message asks about a rule, a benefit or a procedure.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import yaml

DOMAIN_PATH = Path(__file__).resolve().parent.parent / "domain.yml"

_SELF_HARM = (
    "救命|救救我|快来人|快来救|轻生|輕生|寻死|尋死|想不开|想不開|不想活|不想再活|活不下去|"
    "想死|想去死|活够了|活夠了|一了百了|生不如死|活[着著][没沒]意[思义義]|"
    "活[着著].{0,4}[没沒](?:有)?意[思义義]|"
    "结束这一切|結束這一切|结束自己|結束自己|结束生命|結束生命|离开这个世界|離開這個世界|"
    "割腕|[我俺](?:真的|很|好)?(?:想|要|准备|打算|决定)(?:去)?(?:自杀|自殺|跳楼|跳樓|跳河|上吊|服毒|"
    "喝农药|吃安眠药|死)|"
    "遗书|遺書|遗言|遺言|先走一步|一睡不醒|不想再醒|不想醒来|自我了断|了断自己|想解脱|"
    "撑不下去|撐不下去|[吞吃]了?(?:一把|一瓶|一整瓶|半瓶|好多|很多)药|攒.{0,3}药|药.{0,3}攒|"
    "[捅割划伤]自己|把自己.{0,2}[割划伤]|跳下去|往下跳|见不到我|最后一次跟|"
    "照顾好?(?:我的|孩子|我妈|我爸|家人)"
)
_VIOLENCE = (
    "(?:打|掐|砍|捅|杀|殺|弄死|打死|绑|綁)(?:了)?我|要(?:杀|殺|砍|弄死|打死)|"
    "有人拿刀|拿着?刀|持刀|持枪|砍人|打人|动手了|動手了|打出血|强行|撬锁|砸门|"
    "跟踪我|跟着我|被(?:人)?(?:绑|關|关|锁|鎖)|被骗到|抵着我|威胁(?:我|要)"
)
_MEDICAL = (
    "喘不[过上]气|叫不醒|[没沒](?:有)?呼吸|[没沒](?:有)?心跳|抽搐|误[喝服吃]|卡住喉咙|"
    "被.{0,2}咬了|头在流血|流血止不住|流了(?:很多|好多)血|吐血|胸口(?:好|很)?[痛疼]|"
    "心脏病发作|说不出话|倒在地上|倒下了|不省人事|快不行了|快打120"
)
_FIRE_AND_TRAPPED = (
    "着火|著火|起火了|煤气味|冒烟|全是烟|浓烟|火(?:好|很)大|烧起来|火场|"
    "(?:燃气|煤气|天然气)(?:泄)?漏了|被困|困在|出不去|埋在|压在下面|掉进|门打不开|"
    "水越来越深|漫进|紧急情况"
)
DANGER_PATTERN = re.compile("|".join((_SELF_HARM, _VIOLENCE, _MEDICAL, _FIRE_AND_TRAPPED)))
AMBIGUOUS_PATTERN = re.compile(
    "自杀|自殺|跳楼|跳樓|跳河|上吊|安眠药|安眠藥|农药|農藥|服毒|失火|起火|"
    # an alarm device or a report already made is no cry for help
    "(?:报警|報警)(?!器|后|回执)|(?:煤气|燃气)泄漏(?!报警器)|家暴|"
    "溺水|晕倒|暈倒|昏迷|触电|觸電|小偷|进贼|抢劫|绑架|被拐|被.{0,3}打|"
    "救护车|流血|天台|楼顶|塌陷"
)
POLICY_CONTEXT = re.compile(
    "工伤|工亡|认定|待遇|抚恤|丧葬|补助|补贴|救助|报销|理赔|赔偿|[赔賠]吗|保险|医保|社保|公积金|"
    "费用|多少钱|谁出|回执|告诫书|保护令|财产|规定|条例|申请|办理|材料|部门|证明|笔录|标准|"
    "能领|怎么算|算不算|属于|找谁|投诉|举报"
)


def asks_about_policy(text: str) -> bool:
    """True when ``text`` asks about a rule, a benefit or a procedure."""
    return POLICY_CONTEXT.search(text) is not None


def is_safety_message(text: str) -> bool:
    """True when ``text`` names a danger to someone's life or safety."""
    if DANGER_PATTERN.search(text):
        return True
    return AMBIGUOUS_PATTERN.search(text) is not None and not asks_about_policy(text)


@cache
def emergency_message() -> str:
    """The bot's fixed answer to a safety message (``utter_safety`` of domain.yml)."""
    domain = yaml.safe_load(DOMAIN_PATH.read_text(encoding="utf-8"))
    return domain["responses"]["utter_safety"][0]["text"]
