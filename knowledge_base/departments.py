"""The service departments a question is routed to (社保, 医保, 公积金 …)."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models import Department

DEPARTMENTS = ("社保", "医保", "公积金", "户籍", "税务", "民政", "交通", "综合")

# First match wins: more specific words before general ones.
_KEYWORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("公积金", ("公积金",)),
    ("医保", ("医疗保障", "医保", "医疗保险")),
    ("税务", ("税务", "个人所得税", "纳税")),
    ("交通", ("交通", "机动车", "停车", "驾驶")),
    ("户籍", ("户口", "户籍", "居民身份证", "居住证", "出入境", "出境入境", "护照")),
    ("民政", ("民政", "婚姻", "收养", "最低生活保障", "社会救助", "殡葬", "慈善", "养老服务",
              "老年人", "残疾人")),
    ("社保", ("人力资源和社会保障", "社会保险", "社会保障", "养老保险", "失业", "工伤", "就业",
              "劳动")),
)


def department_for(text: str) -> str:
    """The department whose subject words occur in ``text``; 综合 when none does."""
    for department, words in _KEYWORDS:
        if any(word in text for word in words):
            return department
    return "综合"


def organisation(session: Session) -> dict[str, str]:
    """The organisation list: every way a department is written (name or code) → its name."""
    names = {name: name for name in DEPARTMENTS}
    for code, name in session.execute(select(Department.code, Department.name)):
        names[code] = names[name] = name
    return names


def known_department(value: str, organisation: Mapping[str, str]) -> str:
    """The name of department ``value`` (a name or code); ValueError names the choices."""
    if value in organisation:
        return organisation[value]
    choices = "、".join(dict.fromkeys(organisation.values()))
    raise ValueError(f"未知部门「{value}」，可选：{choices}")
