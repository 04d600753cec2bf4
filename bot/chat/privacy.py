"""Masking of personal numbers citizens type: ID cards, mobile phones, bank cards.

Logs and analytics (including the answer engine's ``QueryLog.query``) always go
through :func:`mask`; the stored transcript only when ``TRANSCRIPT_MASKING`` is on,
because operators may need the number to help the citizen.

Citizens type numbers in full-width digits (１３８…, from Chinese input methods), split
into groups by spaces or hyphens, and still hold 15-digit ID cards issued before 1999.
The patterns run on a same-length normalised copy of the text (full-width forms and the
ideographic space mapped one to one onto ASCII), so positions found there are starred in
the original, which otherwise stays exactly as typed.
"""

from __future__ import annotations

import re
from collections.abc import Callable

# Same length by construction: one character for one character.
_NORMAL = str.maketrans({
    **{chr(0xFF10 + d): str(d) for d in range(10)},  # full-width digits
    "Ｘ": "X", "ｘ": "x", "＋": "+", "－": "-", "\u3000": " ",
    **dict.fromkeys("\u2010\u2011\u2012\u2013", "-"),  # hyphens and dashes
})
_SEP = r"[ -]?"  # one optional space or hyphen between digits


def _spaced(pattern: str) -> str:
    """``pattern`` (a sequence of one-character classes) allowing a separator between them."""
    atoms = re.findall(r"\[[^\]]+\]|\\d|.", pattern)
    return _SEP.join(atoms)


_DATE8 = r"(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])"
_DATE6 = r"\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])"
# Resident ID: 6-digit region, birth date, 3-digit sequence, check digit or X (18), or the
# 15-digit pre-1999 form (two-digit year, no check digit). Candidates may hold separators;
# the compact form is checked against the strict pattern.
_ID_STRICT = re.compile(rf"[1-9]\d{{5}}(?:{_DATE8}\d{{3}}[0-9Xx]|{_DATE6}\d{{3}})")
_ID_CANDIDATE = re.compile(
    r"(?<![\d])(?:" + _spaced(r"[1-9]" + r"\d" * 16 + r"[0-9Xx]") + "|"
    + _spaced(r"[1-9]" + r"\d" * 14) + r")(?![\dXx])"
)
# Bank cards: 16-19 digits, as one run or in groups of four split by a space or hyphen.
_BANK_CARD = re.compile(r"(?<!\d)(?:\d{16,19}|\d{4}(?:[ -]\d{4}){3}(?:[ -]?\d{1,3})?)(?!\d)")
# Mainland mobiles: optional +86/86 prefix, 1[3-9]x xxxx xxxx, separators anywhere.
_MOBILE = re.compile(
    r"(?<!\d)(?P<prefix>(?:\+?86[ -]?)?)(?P<number>" + _spaced(r"1[3-9]" + r"\d" * 9) + r")(?!\d)"
)


def _compact(text: str) -> str:
    return re.sub(r"[ -]", "", text)


# (pattern, accepts the match, group to star, digits kept at the start, at the end)
_RULES: list[tuple[re.Pattern[str], Callable[[re.Match[str]], bool], int | str, int, int]] = [
    (_ID_CANDIDATE, lambda m: bool(_ID_STRICT.fullmatch(_compact(m.group(0)))), 0, 3, 4),
    (_BANK_CARD, lambda m: True, 0, 4, 4),
    (_MOBILE, lambda m: True, "number", 3, 4),
]


def mask(text: str) -> str:
    """``text`` with ID-card, bank-card and mobile numbers starred out.

    >>> mask("身份证110101199003071234，手机13812345678")
    '身份证110***********1234，手机138****5678'
    >>> mask("手机１３８ １２３４ ５６７８")
    '手机１３８ **** ５６７８'
    """
    chars = list(text)
    for pattern, accepts, group, head, tail in _RULES:
        normal = "".join(chars).translate(_NORMAL)
        for match in pattern.finditer(normal):
            if not accepts(match):
                continue
            start, end = match.span(group)
            digits = [i for i in range(start, end) if normal[i].isalnum()]
            for i in digits[head : len(digits) - tail]:
                chars[i] = "*"
    return "".join(chars)
