"""Curated word lists (policy terms, stopwords), shipped as data files beside the code so
staff extend them without touching it, like ``synonyms.txt``."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

CURATED_TERMS = Path(__file__).resolve().parent / "curated_terms.txt"
STOPWORD_LIST = Path(__file__).resolve().parent / "stopwords.txt"


def word_list(path: Path) -> tuple[str, ...]:
    """The words of a list file: any number per line, ``#`` starts a comment; the first
    occurrence of a repeated word counts."""
    words = (
        word
        for line in path.read_text(encoding="utf-8").splitlines()
        for word in line.split("#", 1)[0].split()
    )
    return tuple(dict.fromkeys(words))


@lru_cache(maxsize=1)
def curated_terms() -> tuple[str, ...]:
    """The policy terms staff curate (社保, 公积金 ...): jieba keeps each one token, and the
    speller corrects homophone typos towards them."""
    return word_list(CURATED_TERMS)
