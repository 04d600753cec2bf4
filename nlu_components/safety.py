"""Words that signal danger to life, and what the assistant says to them.

Shared by Rasa's ``IntentGuard`` and the app's chat relay (which still has to react while
a conversation is handed off and Rasa sees nothing), so it imports neither Rasa nor Flask.
Traditional forms are listed too: the app matches the raw citizen text, Rasa the text
after OpenCC t2s, which keeps some traditional characters (活著沒意思 becomes 活著没意思).
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import yaml

DOMAIN_PATH = Path(__file__).resolve().parent.parent / "domain.yml"

SAFETY_PATTERN = re.compile(
    "救命|救救我|自杀|自殺|轻生|輕生|寻死|尋死|想不开|想不開|不想活|不想再活|活不下去|想死|想去死|"
    "活够了|活夠了|一了百了|生不如死|活[着著][没沒]意[思义義]|"
    "结束这一切|結束這一切|结束自己|結束自己|结束生命|結束生命|离开这个世界|離開這個世界|"
    "跳楼|跳樓|跳河|割腕|上吊|安眠药|安眠藥|喝了?农药|喝了?農藥|服毒|"
    "着火|著火|起火|失火|报警|報警|家暴|煤气泄漏|燃气泄漏|煤气味|有人拿刀|持刀|要杀我|要殺我|溺水|"
    "晕倒|暈倒|昏迷|触电|觸電|"
    "小偷|进贼|抢劫|绑架|被拐|紧急情况|救护车|快打120"
)


def is_safety_message(text: str) -> bool:
    """True when ``text`` names a danger to someone's life or safety."""
    return SAFETY_PATTERN.search(text) is not None


@cache
def emergency_message() -> str:
    """The bot's fixed answer to a safety message (``utter_safety`` of domain.yml)."""
    domain = yaml.safe_load(DOMAIN_PATH.read_text(encoding="utf-8"))
    return domain["responses"]["utter_safety"][0]["text"]
