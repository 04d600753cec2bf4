"""Groups of words that mean the same in a policy question (社保 = 社会保险, 驾照 = 驾驶证).

Citizens write the everyday word, rules the formal one; BM25 only sees shared words.
The groups live in a text file (``synonyms.txt`` beside ``pipeline.yml``), one group per
line, so staff can extend them without touching code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from core.text import search_key


@dataclass(frozen=True)
class Synonyms:
    groups: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> Synonyms:
        groups: dict[str, tuple[str, ...]] = {}
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            words = tuple(dict.fromkeys(search_key(w) for w in line.split("#", 1)[0].split()))
            if len(words) == 1:
                raise ValueError(f"{path}:{number}: a synonym group needs at least two words")
            for word in words:
                if word in groups:
                    raise ValueError(f"{path}:{number}: {word!r} is already in another group")
                groups[word] = words
        return cls(groups)

    @property
    def words(self) -> list[str]:
        """Every word of every group: each must stay one jieba token."""
        return list(self.groups)

    def group(self, word: str) -> tuple[str, ...]:
        """The word and its synonyms, the word first."""
        others = self.groups.get(word, ())
        return (word, *(w for w in others if w != word))
