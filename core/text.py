"""Search keys: the one normalisation of Chinese text for matching.

The knowledge base (duplicate FAQ questions), the console (question gaps) and retrieval
(indexing and querying) all compare text by its search key, so they share this leaf
module. Displayed text is never normalised, only the keys it is matched by.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import opencc


@lru_cache(maxsize=1)
def _to_simplified() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def search_key(text: str) -> str:
    """Normalised form for matching: NFKC, simplified Chinese, lower case, no spaces."""
    text = unicodedata.normalize("NFKC", text)
    return re.sub(r"\s+", "", _to_simplified().convert(text)).lower()
