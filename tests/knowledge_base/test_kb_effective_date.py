"""The date a document says it takes effect, read from its own text."""

from __future__ import annotations

from datetime import date

import pytest

from knowledge_base.versions import effective_date_in


@pytest.mark.parametrize(("text", "expected"), [
    ("第三十条 本办法自2027年1月1日起施行。", date(2027, 1, 1)),
    ("本条例自二〇二七年一月一日起施行。", date(2027, 1, 1)),
    ("本规定自二○二四年十二月二十一日起实施", date(2024, 12, 21)),
    ("本通知自２０２５年１２月３１日起执行。", date(2025, 12, 31)),  # full-width digits
    # an earlier law cited in the text does not count: the document's own line comes last
    ("依据2019年3月1日起施行的条例制定。……本办法自2027年10月21日起施行。", date(2027, 10, 21)),
    ("本办法自公布之日起施行。", None),
    ("2025年2月30日起施行", None),  # no such day
    ("2024年1月1日印发", None),  # a date, but not of taking effect
])
def test_effective_date_is_read_from_the_text(text, expected):
    assert effective_date_in(text) == expected
