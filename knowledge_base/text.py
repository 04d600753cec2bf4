"""Chinese text as the knowledge base takes it in: decoding, clean-up and numerals.

Imported text is kept as written (that is what citizens are shown); only its *search
keys* are normalised, by ``core.text.search_key``.
"""

from __future__ import annotations

import re

# Encodings tried in order: what Chinese government files and Excel exports come in.
ENCODINGS = ("utf-8", "utf-8-sig", "gb18030")

CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
             "六": 6, "七": 7, "八": 8, "九": 9}
CN_UNITS = {"十": 10, "百": 100, "千": 1000}
CN_NUMERAL = "[零〇一二两三四五六七八九十百千\\d]+"


class UndecodableText(ValueError):
    """Bytes that are none of the accepted encodings."""


def decode(raw: bytes) -> str:
    """Decode file content in the first accepted encoding, then clean it."""
    for encoding in ENCODINGS:
        try:
            return clean(raw.decode(encoding))
        except UnicodeDecodeError:
            continue
    raise UndecodableText("文件编码无法识别（支持 UTF-8、GB18030）")


# Characters no stored text may hold: C0 controls but tab and newlines, DEL, C1 controls, and
# lone surrogates (invalid UTF-8). PostgreSQL refuses NUL outright; the others are invisible
# noise from PDFs, spreadsheets and buggy clients that would only make SQLite and PostgreSQL
# store different text.
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def strip_controls(text: str) -> str:
    """``text`` without control characters and lone surrogates (the one input rule)."""
    return _CONTROLS.sub("", text)


def clean(text: str) -> str:
    """Strip controls, BOMs and zero-width characters, unify newlines, trim line ends."""
    text = strip_controls(text).replace("\ufeff", "").replace("\u200b", "")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return "\n".join(line.rstrip() for line in text.split("\n")).strip("\n")


def one_line(text: str | None) -> str:
    """A field value on one line: collapsed whitespace, no surrounding blanks."""
    return re.sub(r"\s+", " ", clean(text or "")).strip()


def cn_number(numeral: str) -> int:
    """Value of a Chinese (or Arabic) numeral as used in 第十二条, 第一百零五条."""
    if numeral.isdigit():
        return int(numeral)
    total, current = 0, 0
    for char in numeral:
        if char in CN_DIGITS:
            current = CN_DIGITS[char]
        elif char in CN_UNITS:
            total += (current or 1) * CN_UNITS[char]
            current = 0
    return total + current
