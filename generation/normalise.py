"""One spelling for numbers: full-width forms and Chinese numerals become ASCII digits."""

from __future__ import annotations

import re
import unicodedata
import warnings

import cn2an  # well-kept Chinese-numeral converter: 十五 -> 15, 二〇二四 -> 2024, 百分之八 -> 8%

_WAN = re.compile(r"(\d+(?:\.\d+)?)万")
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3})")
# cn2an writes 百分之八 as 8% but leaves 千分之/万分之: per mille and per ten thousand signs.
_PER = re.compile(r"(千|万)分之(\d+(?:\.\d+)?)")
# Words whose 一/万 is not a quantity; kept out of the numeral conversion.
_IDIOMS = ("一下", "一起", "一般", "一致", "一律", "一并", "统一", "唯一", "之一", "一些", "进一步",
           "一旦", "一定", "一直", "一样", "万一", "一次性", "同一", "一切", "一方", "每一")
_PROTECT = {word: chr(0xE000 + i) for i, word in enumerate(_IDIOMS)}
_RESTORE = {v: k for k, v in _PROTECT.items()}
_PROTECTED = re.compile("|".join(map(re.escape, _IDIOMS)))
_RESTORED = re.compile("|".join(_RESTORE))


def _wan(match: re.Match[str]) -> str:
    value = float(match.group(1)) * 10000
    return str(int(value)) if value.is_integer() else str(value)


def normalise(text: str) -> str:
    """``text`` with full-width forms folded (NFKC) and every numeral written in digits."""
    text = _PROTECTED.sub(lambda m: _PROTECT[m.group(0)], unicodedata.normalize("NFKC", text))
    with warnings.catch_warnings():  # cn2an warns on, and keeps, numerals it cannot read
        warnings.simplefilter("ignore")
        text = cn2an.transform(text, "cn2an")
    text = _RESTORED.sub(lambda m: _RESTORE[m.group(0)], text)
    text = _THOUSANDS.sub("", text)
    text = _PER.sub(lambda m: m.group(2) + ("‰" if m.group(1) == "千" else "‱"), text)
    return _WAN.sub(_wan, text)
