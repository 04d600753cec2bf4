"""The organisation: the service departments questions, items and staff belong to.

A department is keyed by its code (``shebao``); its name (社保) is for people to read and
for import files, which may name a department by either. Everything stored (knowledge-base
items, handoffs, staff, canned replies) holds the code. The built-in departments below
seed the ``departments`` table, where admins may add departments or change keywords.

One keyword list per department and one matching rule serve both sorting imported items
(``department_for``) and routing a citizen's handed-off question (``best_match`` over the
table's rows).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import JSON, Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from core.db import Base


class Department(Base):
    """A team that answers handed-off conversations, with its response-time limits."""

    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(50), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    # Words that route a question to this department (社保, 医保, 公积金 ...).
    keywords: Mapped[list[str]] = mapped_column(JSON, default=list)
    first_response_minutes: Mapped[int] = mapped_column(Integer, default=10)
    resolution_minutes: Mapped[int] = mapped_column(Integer, default=120)
    # {"days": [0..6], "start": "09:00", "end": "18:00"}; Monday is 0.
    service_hours: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


@dataclass(frozen=True)
class BuiltIn:
    """A department every installation starts with."""

    code: str
    name: str
    keywords: tuple[str, ...]
    first_response_minutes: int
    resolution_minutes: int


# In table order: on equal keyword hits the earlier department wins.
BUILT_IN: tuple[BuiltIn, ...] = (
    BuiltIn("shebao", "社保", (
        "社保", "人力资源和社会保障", "社会保险", "社会保障", "养老保险", "养老金", "退休", "失业",
        "工伤", "生育", "社保卡", "参保", "缴费基数", "灵活就业", "就业", "劳动"), 10, 120),
    BuiltIn("yibao", "医保", (
        "医保", "医疗保险", "医疗保障", "报销", "门诊", "住院", "异地就医", "医保卡", "定点医院",
        "大病"), 10, 120),
    BuiltIn("gongjijin", "公积金", (
        "公积金", "住房公积金", "提取", "贷款", "缴存", "租房提取"), 10, 120),
    BuiltIn("huji", "户籍", (
        "户籍", "户口", "落户", "迁移", "身份证", "居民身份证", "居住证", "出生登记", "出入境",
        "出境入境", "护照"), 10, 180),
    BuiltIn("shuiwu", "税务", (
        "税务", "个税", "个人所得税", "纳税", "退税", "专项附加扣除", "汇算", "发票"), 10, 180),
    BuiltIn("minzheng", "民政", (
        "民政", "低保", "最低生活保障", "婚姻", "结婚", "离婚", "收养", "救助", "社会救助", "殡葬",
        "慈善", "养老服务", "老年人", "残疾人", "高龄补贴"), 15, 240),
    BuiltIn("jiaotong", "交通", (
        "交通", "驾驶", "驾驶证", "驾照", "机动车", "违章", "车牌", "停车", "公交", "年检"), 15, 240),
    BuiltIn("zonghe", "综合", ("投诉", "建议", "办事指南", "政务服务"), 15, 240),
)
FALLBACK = "zonghe"  # 综合: where a question no keyword places goes
BUILT_IN_NAMES: dict[str, str] = {d.code: d.name for d in BUILT_IN}


class HasKeywords(Protocol):
    @property
    def code(self) -> str: ...
    @property
    def keywords(self) -> Iterable[str] | None: ...


def best_match(text: str, departments: Iterable[HasKeywords]) -> str | None:
    """The code of the department with the most keyword occurrences in ``text`` (the earlier
    one on a tie); None when no keyword occurs."""
    best, best_hits = None, 0
    for department in departments:
        hits = sum(text.count(word) for word in department.keywords or () if word)
        if hits > best_hits:
            best, best_hits = department.code, hits
    return best


def department_for(text: str) -> str:
    """The built-in department ``text`` is about; 综合 when no keyword occurs."""
    return best_match(text, BUILT_IN) or FALLBACK


def names(session: Session | None = None) -> dict[str, str]:
    """Every department's name by code: the built-in ones, then the table's (which win)."""
    found = dict(BUILT_IN_NAMES)
    if session is not None:
        found.update({code: name for code, name in session.execute(
            select(Department.code, Department.name).order_by(Department.id))})
    return found


def spellings(names_by_code: Mapping[str, str]) -> dict[str, str]:
    """Every way an import file may write a department (its name or its code) → its code."""
    found = {name: code for code, name in names_by_code.items()}
    found.update({code: code for code in names_by_code})
    return found


BUILT_IN_SPELLINGS = spellings(BUILT_IN_NAMES)


def code_of(value: str, known: Mapping[str, str] = BUILT_IN_SPELLINGS) -> str:
    """The code of department ``value`` (a name or a code, as ``spellings`` gives them);
    ValueError names the choices."""
    if value in known:
        return known[value]
    choices = "、".join(name for name, code in known.items() if name != code)
    raise ValueError(f"未知部门「{value}」，可选：{choices}")
