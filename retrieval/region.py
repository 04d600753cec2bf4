"""Where a rule applies, and whether that is where the citizen asks about.

The knowledge base mixes national laws with local ones (上海市医疗保障条例, 北京市物业管理条例)
and FAQ entries about one place (上海什么家庭可以吃低保？). A citizen who names no place
must not be answered with another city's rule as if it were general; one who names
广州 may be answered with a 广东省 or 广州市 rule, not a 北京市 one.

A place is a path: ``("广东",)`` for a province, ``("广东", "广州")`` for a city in it,
``()`` for the whole country. Two places are compatible when one contains the other.
"""

from __future__ import annotations

import re
from functools import lru_cache

Place = tuple[str, ...]
NATIONAL: Place = ()

# Provincial-level divisions by their short names.
PROVINCES = (
    "北京 天津 上海 重庆 河北 山西 辽宁 吉林 黑龙江 江苏 浙江 安徽 福建 江西 山东 河南 湖北 湖南 "
    "广东 海南 四川 贵州 云南 陕西 甘肃 青海 台湾 内蒙古 广西 西藏 宁夏 新疆 香港 澳门"
).split()

# Cities by province: every prefecture-level city of 广东 (where the demo's service guides
# come from), and the capitals and other large cities elsewhere.
CITIES: dict[str, tuple[str, ...]] = {
    "广东": ("广州", "深圳", "珠海", "汕头", "佛山", "韶关", "湛江", "肇庆", "江门", "茂名", "惠州",
             "梅州", "汕尾", "河源", "阳江", "清远", "东莞", "中山", "潮州", "揭阳", "云浮"),
    "河北": ("石家庄", "唐山", "保定"), "山西": ("太原", "大同"), "辽宁": ("沈阳", "大连"),
    "吉林": ("长春",), "黑龙江": ("哈尔滨",), "江苏": ("南京", "苏州", "无锡", "常州", "南通"),
    "浙江": ("杭州", "宁波", "温州", "绍兴", "嘉兴", "金华"), "安徽": ("合肥", "芜湖"),
    "福建": ("福州", "厦门", "泉州"), "江西": ("南昌", "赣州"), "山东": ("济南", "青岛", "烟台"),
    "河南": ("郑州", "洛阳"), "湖北": ("武汉", "宜昌", "襄阳"), "湖南": ("长沙", "株洲"),
    "海南": ("海口", "三亚"), "四川": ("成都", "绵阳"), "贵州": ("贵阳",), "云南": ("昆明",),
    "陕西": ("西安",), "甘肃": ("兰州",), "青海": ("西宁",), "内蒙古": ("呼和浩特", "包头"),
    "广西": ("南宁", "桂林"), "西藏": ("拉萨",), "宁夏": ("银川",), "新疆": ("乌鲁木齐",),
}

_NAMES: dict[str, Place] = {name: (name,) for name in PROVINCES}
_NAMES.update({city: (province, city) for province, cities in CITIES.items() for city in cities})
# Longest names first, so 内蒙古 is not read as something shorter.
_PATTERN = re.compile("|".join(sorted(map(re.escape, _NAMES), key=len, reverse=True)))


@lru_cache(maxsize=50_000)
def places_in(text: str) -> frozenset[Place]:
    """Every place the text names (全国 and unknown places name none)."""
    return frozenset(_NAMES[match] for match in _PATTERN.findall(text or ""))


def place_of(text: str) -> frozenset[Place]:
    """The most specific places a source's region or title names (香港澳门 names two);
    empty when national. A place that contains another named one is implied by it."""
    places = places_in(text)
    return frozenset(p for p in places if not any(p != q and q[: len(p)] == p for q in places))


def compatible(a: Place, b: Place) -> bool:
    """True when one place contains the other (the country contains every place)."""
    shorter = min(len(a), len(b))
    return a[:shorter] == b[:shorter]


def applies(source: frozenset[Place], asked: frozenset[Place], home: frozenset[Place]) -> bool:
    """Whether a source's rule answers a question about ``asked`` (or, when the question
    names no place, about ``home``: where this deployment serves citizens). A source made
    for several places applies in each of them."""
    if not source:
        return True
    wanted = asked or home or frozenset({NATIONAL})
    return any(compatible(made, place) for made in source for place in wanted)
