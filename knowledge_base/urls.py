"""Source links: only ``http``/``https`` addresses are stored or shown.

A source URL becomes an ``href`` on the staff console, the operator console and the
citizen chat; a ``javascript:`` or ``data:`` link there runs script as whoever clicks it.
This is the one rule: importers, console forms and the store all call
:func:`source_url`, and templates render links through :func:`safe_href`.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

SCHEMES = ("http", "https")
MAX_URL_CHARS = 1000
# Browsers drop control characters and whitespace inside a scheme ("java\tscript:").
_INVISIBLE = re.compile(r"[\x00-\x20\x7f-\x9f\u200b-\u200f\u2028\u2029\ufeff]")


class UnsafeUrl(ValueError):
    """A link that is not a plain http(s) address; the message names the field (Chinese)."""


def source_url(value: str | None, label: str = "官方链接（url）") -> str | None:
    """``value`` as a storable link (``None`` when empty); raises `UnsafeUrl` otherwise."""
    text = (value or "").strip()
    if not text:
        return None
    if not is_safe(text):
        shown = text if len(text) <= 60 else text[:60] + "…"
        raise UnsafeUrl(f"{label}只能是以 http:// 或 https:// 开头的网址，"
                        f"且不能含空白或控制字符：{shown!r}")
    return text


def is_safe(value: str | None) -> bool:
    """Whether ``value`` is an absolute http(s) address with a host and nothing hidden."""
    if not value or len(value) > MAX_URL_CHARS or _INVISIBLE.search(value):
        return False
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme.lower() in SCHEMES and bool(parts.hostname)


def safe_href(value: str | None) -> str | None:
    """The link to render, or ``None`` for anything stored before the rule (or planted)."""
    return value if is_safe(value) else None
