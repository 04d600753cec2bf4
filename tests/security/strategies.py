"""Hypothesis strategies for hostile input: each draws ``(kind, value)`` so the figures can say
which kinds of input every route was tried with."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import strategies as st

# Characters that have broken text handling somewhere: controls (NUL: PostgreSQL), bidi and
# zero-width marks, a lone surrogate, full-width forms, markup and path characters.
NASTY = list("\x00\x01\x07\x08\x0b\x1b\x7f\x85\u2028\u202e\u200b\ufeff\ud800\uffff＃１３８")
NASTY += list("<>&'\"\\/%{}$;=+-@\t\r\n") + ["社", "保", "卡", "補", "辦", "𠀀"]

hostile_text = st.text(st.sampled_from(NASTY) | st.characters(), max_size=80)
long_line = st.integers(min_value=501, max_value=300_000).map(lambda n: "社保" * (n // 2))
json_scalars = (
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | hostile_text
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(hostile_text, inner, max_size=4),
    max_leaves=12,
)


def _dump(value: Any) -> bytes:
    # surrogatepass: a lone surrogate stays in the body as the broken UTF-8 it is.
    return json.dumps(value, ensure_ascii=False).encode("utf-8", "surrogatepass")


def _nested(depth: int) -> bytes:
    return b'{"a":' * depth + b"1" + b"}" * depth


def json_bodies(fields: dict[str, Any]) -> st.SearchStrategy[tuple[str, bytes, str]]:
    """``(kind, body, content type)`` for a JSON route whose good body has ``fields``."""
    good = _dump(fields)
    wrong_types = st.fixed_dictionaries(
        {}, optional={name: json_values for name in fields}
    ).map(lambda d: ("wrong types", _dump(d), "application/json"))
    hostile = st.fixed_dictionaries(
        {name: hostile_text if isinstance(v, str) else st.just(v) for name, v in fields.items()}
    ).map(lambda d: ("control characters and odd text", _dump(d), "application/json"))
    long = long_line.map(
        lambda text: ("very long lines",
                      _dump({n: text if isinstance(v, str) else v for n, v in fields.items()}),
                      "application/json"))
    return st.one_of(
        json_values.map(lambda v: ("any JSON value", _dump(v), "application/json")),
        wrong_types,
        hostile,
        long,
        st.binary(max_size=300).map(lambda b: ("invalid UTF-8 / raw bytes", b, "application/json")),
        st.integers(1, len(good) - 1).map(
            lambda n: ("truncated JSON", good[:n], "application/json")),
        st.integers(50, 100_000).map(lambda n: ("deeply nested", _nested(n), "application/json")),
        st.sampled_from([2 * 2**20, 21 * 2**20]).map(
            lambda n: ("huge body", b'{"text": "' + b"a" * n + b'"}', "application/json")),
        st.sampled_from(["text/plain", "application/x-www-form-urlencoded", "text/xml", ""]).map(
            lambda ct: ("wrong content type", good, ct)),
    )


path_segment = st.one_of(
    hostile_text.filter(bool),
    st.sampled_from(["..", "../../etc/passwd", "%2e%2e%2f", "%00", "a" * 5000, "社保卡",
                     "\u202egnp.exe", "//evil.example", "\\\\evil"]),
)
