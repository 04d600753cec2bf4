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
    "[捅割划伤]自己|把自己.{0,2}[割划伤]|控制不住自己|跳下去|往下跳|见不到我|"
    "照顾好?(?:我的|孩子|我妈|我爸|家人)|"
    # an overdose: a whole pack or bottle of any medicine
    "[吞吃喝服](?:了|下)?(?:一整|一大|整|半|好多|很多|好几|几十|一)?[把瓶板盒袋][^，。,]{0,4}[药藥]|"
    "[吞吃喝服](?:了|下)?(?:好多|很多|一大堆)[^，。,]{0,4}[药藥]|[吞吃服]了?(?:好几|十几|几十|一大?把)[颗粒片]|炭盆|烧炭|[买点备](?:了|好)?[^，。,]{0,4}炭|"
    # farewells: a last message, a note left behind, a goodbye and then silence
    "最后一次(?:跟|和|给|发|说|联系|见)|再见了?(?:各位|大家|世界|所有人)|永别|"
    "(?:留|写)(?:了|下)(?:一)?(?:封|张)?(?:信|字条|纸条)|(?:别|不要|不用)(?:再)?找(?:我|他|她)|"
    "该交代的|交代(?:好|完)了|替我(?:跟|向|和)|(?:你们|以后)(?:要)?(?:自己)?(?:好好)?保重|不会再需要|"
    "(?:东西|存款|钱|卡)[^，。,]{0,6}(?:分给|送给|留给)|(?:然后|之后|后来)(?:就|也|一直)?(?:联系不上|失联|关机|打不通)|"
    # at an edge: sitting, standing or climbing on a height or outside a railing
    "(?:站|坐|爬|蹲|趴)(?:在|到|上)(?:了)?[^，。,]{0,6}"
    "(?:楼顶|天台|窗台|窗外|阳台|栏杆|护栏|桥|屋顶|房顶|悬崖|边上|边缘|外面|外侧)|"
    "(?:阳台|窗台|栏杆|护栏|天台|楼顶|屋顶)(?:的)?(?:外面|外侧|边上|边缘)"
)
_VIOLENCE = (
    "(?:打|掐|砍|捅|杀|殺|弄死|打死|绑|綁)(?:了)?我|要(?:杀|殺|砍|弄死|打死|烧死|烧了|炸|泼)|"
    "有人拿刀|[拿带揣举握挥](?:舞)?(?:着|了)?(?:一把)?(?:菜|砍|水果|尖)?刀|持刀|持枪|砍人|打人|"
    "动手了|動手了|打出血|强行|撬锁|砸门|扬言|揚言|(?:泼|潑|浇|倒|洒|拿|提)(?:了|着)?(?:一?桶|一瓶)?汽油|"
    "硫酸|跟踪我|跟着我|被(?:人)?(?:绑|關|关|锁|鎖)|被骗到|抵着我|威胁(?:我|要)|"
    # abduction
    "被.{0,8}(?:抱走|拐走|掳走)|(?:拖|拽|塞|抱|绑)(?:上|进)(?:了)?(?:一辆)?车"
)
_MEDICAL = (
    "喘不[过上]气|叫不醒|[没沒](?:有)?呼吸|[没沒](?:有)?心跳|抽搐|误[喝服吃]|卡住喉咙|"
    "被.{0,2}咬了|头在流血|流血止不住|流了(?:很多|好多)血|吐血|胸口(?:好|很)?[痛疼]|"
    "心脏病发作|说不出话|倒在地上|倒下了|不省人事|快不行了|快打120|口吐白沫|"
    "(?:浑身|满身|全身|满脸|一身)(?:是|都是)血|不动了|一动不动|"
    "血流不止|流血不止|大出血|羊水破了|噎住|(?:脸|嘴唇)(?:都)?(?:憋|发)?紫了|"
    # stroke signs (face, arm, speech)
    "口齿不清|话(?:也|都)?说不清|嘴歪|脸歪|往一边倒|(?:手|胳膊)(?:突然)?(?:抬不起来|没(?:有)?力气)|"
    "(?:敲门|叫(?:他|她|人)?)(?:也|都)?(?:不应|没(?:有)?(?:反应|回应|人应))|没(?:有)?反应了"
)
_FIRE_AND_TRAPPED = (
    "着火|著火|起火了|(?:煤气|燃气|天然气)味|臭鸡蛋味|冒烟|全是烟|浓烟|火(?:好|很)大|烧起来|火场|"
    "(?:燃气|煤气|天然气)(?:泄)?漏了|被困|困在|出不去|埋在|压在下面|门打不开|"
    "冒火[星花]|焦糊味|烧焦的?味|(?:配电箱|电箱|电瓶|电池|锅炉|煤气罐|液化气罐)[^，。,]{0,3}炸了|"
    "(?:煤气|燃气)灶(?:还|一直)?开着|被(?:堵|卡|困)在|困住了|掉进|掉下去了|掉到[^，。,]{0,5}(?:水|河|江|湖|海|井|池|坑)|"
    "水越来越深|漫进|水(?:已经|都)?(?:到|没过|淹到|漫到|漫过)(?:了)?(?:胸|脖|腰|膝)"
)
DANGER_PATTERN = re.compile("|".join((_SELF_HARM, _VIOLENCE, _MEDICAL, _FIRE_AND_TRAPPED)))
AMBIGUOUS_PATTERN = re.compile(
    "自杀|自殺|跳楼|跳樓|跳河|上吊|安眠药|安眠藥|农药|農藥|服毒|失火|起火|"
    # an alarm device or a report already made is no cry for help
    "(?:报警|報警)(?!器|后|回执)|(?:煤气|燃气)泄漏(?!报警器)|家暴|"
    "溺水|晕倒|暈倒|昏迷|触电|觸電|小偷|进贼|抢劫|绑架|被拐|被.{0,3}打|"
    "救护车|流血|天台|楼顶|塌陷|紧急情况|"
    # symptoms and mishaps that a question about benefits names too
    "呼吸困难|喉咙肿|[晕昏]过去|起不来|站不起来|推(?:下|倒)|烫伤|烧伤|被.{0,3}烫了|涨水|"
    # being by the water or up high, and not wanting to go back
    "在(?:大?桥上|江边|河边|湖边|海边|水库边|悬崖)|不想(?:再)?回(?:去|家)|爆炸|"
    "[吞咽](?:了|下去|进去|下)|被埋|塌了|塌方|坍塌|说胡话|昏昏沉沉|迷糊|意识不清|"
    # someone missing
    "联系不上|失联|走丢|不见了|找不到(?:人|他|她)|(?:到现在|一直)(?:都)?(?:还)?没(?:有)?回(?:来|家)"
)
POLICY_CONTEXT = re.compile(
    "工伤|工亡|认定|待遇|抚恤|丧葬|补助|补贴|救助|报销|理赔|赔偿|[赔賠]吗|保险|医保|社保|公积金|"
    "费用|多少钱|谁出|回执|告诫书|保护令|财产|规定|条例|申请|办理|材料|部门|证明|笔录|标准|"
    "能领|怎么算|算不算|属于|找谁|投诉|举报|责任|损失|负责"
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
