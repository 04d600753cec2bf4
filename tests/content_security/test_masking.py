"""Issue 14 item 8: mask() catches full-width, spaced and 15-digit numbers (property-tested),
and a line starting with "/" reaches Rasa masked unless it is a button the bot offered."""

from __future__ import annotations

import re
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.chat.privacy import mask
from tests.chat.conftest import BrokenRasa, hangup_rasa  # noqa: F401  (fixture)

FULL_WIDTH = str.maketrans("0123456789Xx", "０１２３４５６７８９Ｘｘ")


def compact(text: str) -> str:
    """Digits and X of ``text`` as ASCII, separators dropped (what a reader would copy)."""
    return re.sub(r"[\s\-－]", "", unicodedata.normalize("NFKC", text))


def test_examples_from_the_issue():
    assert mask("手机１３８１２３４５６７８") == "手机１３８****５６７８"
    assert mask("身份证 110101 19900307 1234 谢谢") == "身份证 110*** ******** 1234 谢谢"
    assert mask("老身份证号110101900307123") == "老身份证号110********7123"
    assert mask("身份证１１０１０１１９９００３０７１２３Ｘ") == "身份证１１０***********１２３Ｘ"
    # Ordinary numbers stay: years, amounts, article numbers, a short code.
    for text in ("2024年缴费基数为5000元", "第12条", "验证码123456", "电话12345"):
        assert mask(text) == text


def _id18() -> st.SearchStrategy[str]:
    return st.builds(
        lambda region, year, month, day, seq, check: f"{region}{year}{month:02d}{day:02d}{seq}{check}",
        st.integers(110000, 659999).map(str), st.integers(1900, 2024).map(str),
        st.integers(1, 12), st.integers(1, 28), st.integers(0, 999).map(lambda n: f"{n:03d}"),
        st.sampled_from("0123456789X"))


def _id15() -> st.SearchStrategy[str]:
    return st.builds(
        lambda region, year, month, day, seq: f"{region}{year:02d}{month:02d}{day:02d}{seq:03d}",
        st.integers(110000, 659999).map(str), st.integers(0, 99), st.integers(1, 12),
        st.integers(1, 28), st.integers(0, 999))


def _mobile() -> st.SearchStrategy[str]:
    return st.builds(lambda second, rest: f"1{second}{rest:09d}",
                     st.sampled_from("3456789"), st.integers(0, 999_999_999))


def _written(number: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """How a citizen might type it: half- or full-width, compact or with spaces/hyphens."""
    def render(value: str, full: bool, groups: list[int], separator: str) -> str:
        text = value.translate(FULL_WIDTH) if full else value
        parts, start = [], 0
        for size in groups:
            if start >= len(text):
                break
            parts.append(text[start:start + size])
            start += size
        parts.append(text[start:])
        return separator.join(part for part in parts if part)
    return st.builds(render, number, st.booleans(),
                     st.lists(st.integers(2, 8), max_size=4),
                     st.sampled_from(["", " ", "-", "\u3000", "－"]))


CHINESE = st.text(st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5), max_size=12)


@settings(max_examples=300, deadline=None)
@given(before=CHINESE, after=CHINESE,
       number=st.one_of(_written(_id18()), _written(_id15()), _written(_mobile())))
def test_any_phone_or_id_in_chinese_text_comes_out_masked(before, after, number):
    masked = mask(before + number + after)
    assert masked.startswith(before) and masked.endswith(after)
    digits = compact(number)
    shown = compact(masked[len(before):len(masked) - len(after)])
    assert digits not in compact(masked)
    # At most the first three and the last four characters stay readable.
    assert sum(ch not in "*＊" for ch in shown) <= 7, (number, masked)


def test_a_typed_slash_line_reaches_rasa_masked(make_app, hangup_rasa: BrokenRasa):  # noqa: F811
    from tests.chat.test_api import post
    app = make_app(RASA_URL=hangup_rasa.url)
    post(app.test_client(), "/我的手机13812345678")
    post(app.test_client(), '/choose_candidate{"source_id": "x", "locator": "身份证110101199003071234"}')
    sent = [body["message"] for body in hangup_rasa.bodies]
    assert len(sent) == 2
    assert "13812345678" not in sent[0] and "138****5678" in sent[0]
    assert "110101199003071234" not in sent[1]
