"""Policy terms for jieba, so 住房公积金 or 最低生活保障 stay one token in BM25 and NLU.

Built from the knowledge base (service names, departments, document short titles)
plus a curated list, written in jieba's user-dictionary format ``word freq tag``.
"""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from knowledge_base.models import Item, Kind, Status

DEFAULT_USERDICT = Path(__file__).resolve().parent.parent / "data" / "jieba" / "policy_terms.txt"
CURATED_FREQ, DERIVED_FREQ = 20000, 2000
MIN_LEN, MAX_LEN = 2, 16

CURATED = (
    "社保", "社会保险", "社保卡", "社会保障卡", "电子社保卡", "医保", "医保卡", "医保电子凭证",
    "基本医疗保险", "城乡居民医保", "职工医保", "异地就医", "异地就医备案", "门诊慢特病",
    "公积金", "住房公积金", "公积金贷款", "公积金提取", "缴存基数", "缴存比例",
    "养老保险", "基本养老保险", "养老金", "基本养老金", "个人账户", "统筹基金", "视同缴费",
    "灵活就业", "灵活就业人员", "失业保险", "失业保险金", "失业登记", "就业困难人员",
    "工伤保险", "工伤认定", "劳动能力鉴定", "一次性伤残补助金", "生育保险", "生育津贴",
    "居住证", "户口", "户籍", "落户", "户口迁移", "居民身份证", "身份证", "临时身份证",
    "个税", "个人所得税", "专项附加扣除", "综合所得", "汇算清缴", "年度汇算", "子女教育",
    "继续教育", "大病医疗", "住房贷款利息", "住房租金", "赡养老人", "婴幼儿照护",
    "最低生活保障", "低保", "特困人员", "临时救助", "社会救助", "医疗救助",
    "婚姻登记", "结婚登记", "离婚登记", "离婚冷静期", "收养登记", "殡葬",
    "劳动合同", "经济补偿", "试用期", "劳动仲裁", "劳动保障监察", "农民工工资",
    "机动车", "驾驶证", "行驶证", "交通事故", "交强险", "记分", "停车", "停车泊位",
    "不动产登记", "物业服务", "业主大会", "政府信息公开", "信访", "退役军人", "残疾人",
    "办事指南", "一网通办", "粤省事", "政务服务", "申请材料", "办理时限", "受理条件",
    "护照", "港澳通行证", "通行证", "签注", "驾照", "结婚证", "离婚证", "残疾证", "出生证明",
    "户口本", "工资", "加班", "年假", "养老", "医疗", "失业", "工伤", "生育", "退休",
    "罚款", "违章", "落户", "学籍", "职称", "档案", "营业执照", "发票", "完税证明",
)


def policy_terms(session: Session) -> list[str]:
    """Curated terms first, then the terms of every current item, without duplicates."""
    derived: set[str] = set()
    items = session.scalars(select(Item).where(Item.status != Status.RETIRED))
    for item in items:
        derived.update(_item_terms(item))
    curated = list(dict.fromkeys(CURATED))
    return curated + sorted(derived - set(curated))


def write_userdict(terms: list[str], out: Path) -> None:
    curated = set(CURATED)
    out.parent.mkdir(parents=True, exist_ok=True)
    lines = [f"{term} {CURATED_FREQ if term in curated else DERIVED_FREQ} n" for term in terms]
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _item_terms(item: Item) -> set[str]:
    terms: set[str] = set()
    if item.issuer:
        terms.add(item.issuer)
    if item.kind == Kind.GUIDE:
        terms.update(_name_parts(item.title))
    elif item.kind == Kind.DOCUMENT:
        short = item.title.removeprefix("中华人民共和国")
        terms.update({item.title, short, item.external_id.removeprefix("doc-")})
    return {term for term in terms if _usable(term)}


def _name_parts(name: str) -> set[str]:
    """``二级注册建造师执业资格注册核准(二级注册建造师增项注册)`` → both names."""
    return {part for part in re.split(r"[（）()、，,；;：:/\s]|及|和|与|或", name) if part}


def _usable(term: str) -> bool:
    return MIN_LEN <= len(term) <= MAX_LEN and not re.search(r"[\s\d]", term)
