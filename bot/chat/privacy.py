"""Masking of personal numbers citizens type: ID cards, mobile phones, bank cards.

Logs and analytics (including the answer engine's ``QueryLog.query``) always go
through :func:`mask`; the stored transcript only when ``TRANSCRIPT_MASKING`` is on,
because operators may need the number to help the citizen.
"""

from __future__ import annotations

import re

# Resident ID: 6-digit region, birth date 18xx/19xx/20xx, 3-digit sequence, check digit or X.
_ID_CARD = re.compile(
    r"(?<!\d)[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[0-9Xx]"
    r"(?!\d)"
)
# Bank cards: 16-19 digits, as one run or in groups of four split by a space or hyphen.
_BANK_CARD = re.compile(r"(?<!\d)(?:\d{16,19}|\d{4}(?:[ -]\d{4}){3}(?:[ -]?\d{1,3})?)(?!\d)")
# Mainland mobiles: optional +86/86 prefix, 1[3-9]x xxxx xxxx with optional separators.
_MOBILE = re.compile(
    r"(?<!\d)(?P<prefix>(?:\+?86[ -]?)?)(?P<number>1[3-9]\d[ -]?\d{4}[ -]?\d{4})(?!\d)"
)


def _keep_ends(number: str, head: int, tail: int) -> str:
    """Keep the first ``head`` and last ``tail`` digits; star the others, keep separators."""
    positions = [i for i, ch in enumerate(number) if ch.isalnum()]
    hidden = set(positions[head : len(positions) - tail])
    return "".join("*" if i in hidden else ch for i, ch in enumerate(number))


def mask(text: str) -> str:
    """``text`` with ID-card, bank-card and mobile numbers starred out.

    >>> mask("身份证110101199003071234，手机13812345678")
    '身份证110***********1234，手机138****5678'
    """
    text = _ID_CARD.sub(lambda m: _keep_ends(m.group(0), 3, 4), text)
    text = _BANK_CARD.sub(lambda m: _keep_ends(m.group(0), 4, 4), text)
    return _MOBILE.sub(lambda m: m.group("prefix") + _keep_ends(m.group("number"), 3, 4), text)
