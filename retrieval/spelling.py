"""Homophone typos: citizens type with pinyin input methods and pick the wrong character.

社宝, 低宝, 户照, 汇算清交 are 社保, 低保, 护照, 汇算清缴 typed by sound. Neither retriever
can match a word that is in no passage, so such a question finds nothing or something
unrelated. The speller puts the policy term back where a stretch of the query has the
term's syllables (tones are ignored: input methods ignore them too), differs from it by
one character, is not a word in its own right (jieba's dictionary and the knowledge
base's terms know the real words), and does not cut through one: in 特困人员供养, 员供
sounds like 员工 but belongs to two words.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import lru_cache

from pypinyin import lazy_pinyin

MIN_LEN, MAX_LEN = 2, 4
_HAN = re.compile(r"^[\u4e00-\u9fff]+$")


@lru_cache(maxsize=50_000)
def _char_sound(char: str) -> str:
    """A character's usual reading: what a typist most likely spelled."""
    return lazy_pinyin(char)[0]


def _typed_sound(text: str) -> tuple[str, ...]:
    return tuple(_char_sound(char) for char in text)


def _term_sound(term: str) -> tuple[str, ...]:
    """How a term is read: pypinyin's phrase dictionary settles polyphones (银行 → hang)."""
    return tuple(lazy_pinyin(term))


class HomophoneSpeller:
    """Corrects one-character homophone typos of known terms in a normalised query."""

    def __init__(
        self,
        terms: Iterable[str],
        is_word: Callable[[str], bool],
        segment: Callable[[str], list[str]],
    ) -> None:
        self._is_word = is_word
        self._segment = segment
        self._by_sound: dict[tuple[str, ...], list[str]] = {}
        for term in dict.fromkeys(terms):
            if MIN_LEN <= len(term) <= MAX_LEN and _HAN.match(term):
                self._by_sound.setdefault(_term_sound(term), []).append(term)

    def correct(self, text: str) -> str:
        """The text with each typo replaced by its term; unchanged when there is none."""
        inside = self._inside_words(text)
        out, start = [], 0
        i = 0
        while i < len(text):
            fix = self._fix_at(text, i, inside)
            if fix is None:
                i += 1
                continue
            length, term = fix
            out.append(text[start:i] + term)
            i += length
            start = i
        return "".join(out) + text[start:]

    def _inside_words(self, text: str) -> list[bool]:
        """For each gap between two characters, whether a word of several characters spans it."""
        inside = [False] * (len(text) + 1)
        position = 0
        for word in self._segment(text):
            for gap in range(position + 1, position + len(word)):
                inside[gap] = True
            position += len(word)
        return inside

    def _fix_at(self, text: str, i: int, inside: list[bool]) -> tuple[int, str] | None:
        for length in range(MAX_LEN, MIN_LEN - 1, -1):
            window = text[i : i + length]
            if len(window) < length or not _HAN.match(window) or self._is_word(window):
                continue
            if inside[i] or inside[i + length]:  # the window would split a word
                continue
            for term in self._by_sound.get(_typed_sound(window), ()):
                if self._is_typo_of(window, term):
                    return length, term
        return None

    def _is_typo_of(self, window: str, term: str) -> bool:
        """One character differs, and not at an edge next to a whole word: 户口不(在) is
        户口 followed by 不, not a typo of 户口簿."""
        differ = [n for n, (a, b) in enumerate(zip(window, term, strict=True)) if a != b]
        if len(differ) != 1:
            return False
        rest = window[1:] if differ[0] == 0 else window[:-1] if differ[0] == len(window) - 1 else ""
        return not (len(rest) > 1 and self._is_word(rest))
