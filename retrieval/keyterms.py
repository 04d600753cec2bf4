"""Key terms: the document, certificate, benefit or service a question is about.

身份证丢了怎么补办 is about 身份证; an article that opens with 结婚证、离婚证遗失或者损毁的 is
about 结婚证, however many words the two share (丢失 = 遗失, 补办 ≈ 补领). Two names of the
same kind (both end in 证, both in 签注, both in 保险 ...) that differ name different things:
个人游签注 is not 团队游签注, 护照 is not 港澳通行证.

The inventory is mined from the knowledge base when the index is built: from what each
source says it is about (titles, guide names, FAQ questions, the opening clause of an
article) every run of jieba words that ends in a head noun of a known kind, plus the
curated and knowledge-base policy terms that do. It is saved with the index snapshot.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from core.text import search_key
from retrieval.synonyms import Synonyms
from retrieval.text import STOPWORDS, short_words

if TYPE_CHECKING:  # the index stores the inventory this module mines
    from retrieval.index import IndexedChunk

# Head nouns and the kind of thing they name. Two different names of one kind are
# different things; names of different kinds can both apply (身份证 and 婚姻登记).
HEADS: dict[str, str] = {
    **dict.fromkeys(("证", "照", "卡", "簿", "证明", "证书", "执照", "凭证"), "document"),
    **dict.fromkeys(("签注",), "endorsement"),
    **dict.fromkeys(("保险", "险"), "insurance"),
    **dict.fromkeys(("金", "补贴", "津贴", "补助", "救助", "补偿", "抚恤"), "benefit"),
    **dict.fromkeys(("许可", "登记", "认定", "备案", "审批", "核准", "鉴定"), "procedure"),
    **dict.fromkeys(("游",), "travel"),
    **dict.fromkeys(("税",), "tax"),
    **dict.fromkeys(("贷款",), "loan"),
}
_LONGEST_HEAD = max(map(len, HEADS))
MIN_CHARS, MAX_CHARS = 2, 8
MAX_WORDS = 3  # a name is at most this many jieba words: 往来/港澳/通行证
_NAME = re.compile(r"^[\u4e00-\u9fff]+$")
_PIECES = re.compile(r"[^\u4e00-\u9fff]+")
# Words a name does not start with: verbs and fillers before the thing named.
_NOT_A_START = frozenset(
    "办理 申请 申领 补领 补办 换领 换发 补发 首次 领取 查询 开具 预约 注销 变更 延续 核发 签发 颁发 "
    "及 关于 持 凭 按照 依照 依法 应当 根据 第".split()
)
# An article's subject: its opening clause, up to the first comma, colon or full stop.
_CLAUSE_END = re.compile(r"[，,。：:；;？?！!\n]")
_ARTICLE_HEAD = re.compile(r"^第[零〇一二两三四五六七八九十百千\d]+条(之[一二三四五六七八九十]+)?\s*")
_SUBJECT_CLAUSE_CHARS = 40

AGREE, NEUTRAL, CONFLICT = 1, 0, -1


def kind_of(term: str) -> str | None:
    """The kind of thing a name names, by its longest head noun."""
    for size in range(min(_LONGEST_HEAD, len(term) - 1), 0, -1):
        if term[-size:] in HEADS:
            return HEADS[term[-size:]]
    return None


def subject_of(chunk: IndexedChunk) -> str:
    """What a chunk says it is about: its source's title (a guide's name, a FAQ's
    question), the FAQ question it matched, and an article's headings and opening clause."""
    parts = [chunk.title]
    if chunk.kind == "faq" and chunk.role == "question":
        parts.append(chunk.text)
    elif chunk.kind == "document":
        parts.append(chunk.search_text.split("\n", 1)[0] if "\n" in chunk.search_text else "")
        body = _ARTICLE_HEAD.sub("", chunk.text.strip())
        parts.append(_CLAUSE_END.split(body, 1)[0][:_SUBJECT_CLAUSE_CHARS])
    return search_key(" ".join(p for p in parts if p))


def _headings(chunk: IndexedChunk) -> list[str]:
    """The places where a source names what it is about: its title, a FAQ's ways of
    asking, the chapter headings above an article. Not article bodies: there every
    word of the language ends up next to a head noun (按照, 保证)."""
    places = [chunk.title]
    if chunk.kind == "faq" and chunk.role == "question":
        places.append(chunk.text)
    elif chunk.kind == "document" and "\n" in chunk.search_text:
        places.append(chunk.search_text.split("\n", 1)[0])
    return places


def names_in(text: str) -> set[str]:
    """Names in a text: runs of up to MAX_WORDS words ending in a head noun, not
    crossing punctuation, stopwords, verbs of applying (办理, 补领 ...) or another name."""
    found = set()
    pieces = [piece for part in text.split() for piece in _PIECES.split(search_key(part))]
    for piece in pieces:
        words = short_words(piece) if piece else []
        for end, last in enumerate(words):
            if not (last in HEADS or kind_of(last)):
                continue
            for start in range(end, max(-1, end - MAX_WORDS), -1):
                word = words[start]
                if word in _NOT_A_START or word in STOPWORDS or (start < end and len(word) > 1 and kind_of(word)):
                    break  # nor across another name: 通行证探亲签注 is two
                name = "".join(words[start : end + 1])
                if len(word) == 1 and start < end:
                    continue  # a one-character word before a name is a verb of it: 领失业金, 交公积金
                if MIN_CHARS <= len(name) <= MAX_CHARS and kind_of(name):
                    found.add(name)
    return found


class KeyTerms:
    """The inventory of names, and agreement between a question and a candidate."""

    def __init__(self, kinds: dict[str, str] | None = None, synonyms: Synonyms | None = None) -> None:
        self.kinds = kinds or {}  # name -> kind
        self.synonyms = synonyms or Synonyms()
        self._subject_names: dict[str, frozenset[str]] = {}

    @classmethod
    def mine(cls, chunks: Iterable[IndexedChunk], terms: Iterable[str], synonyms: Synonyms) -> KeyTerms:
        places = {place for chunk in chunks for place in _headings(chunk)}
        names = set().union(*map(names_in, places)) if places else set()
        listed = map(search_key, [*terms, *synonyms.words])
        names |= {t for t in listed if MIN_CHARS <= len(t) <= MAX_CHARS and _NAME.match(t)}
        return cls.of(names, synonyms)

    @classmethod
    def of(cls, names: Iterable[str], synonyms: Synonyms) -> KeyTerms:
        kinds = {name: kind for name in names if (kind := kind_of(name))}
        return cls(kinds, synonyms)

    @property
    def names(self) -> list[str]:
        return sorted(self.kinds)

    def _found(self, text: str) -> set[str]:
        return {
            text[i:j]
            for i in range(len(text))
            for j in range(i + MIN_CHARS, min(len(text), i + MAX_CHARS) + 1)
            if text[i:j] in self.kinds
        }

    def in_question(self, query: str) -> tuple[str, ...]:
        """The names a question mentions, only the longest where one contains another
        (个人游签注, not 签注 as well)."""
        found = self._found(search_key(query))
        return tuple(sorted(n for n in found if not any(n != m and n in m for m in found)))

    def agreement(self, asked: tuple[str, ...], subject: str) -> int:
        """CONFLICT when, for some kind the question names, the subject names another
        thing of that kind and not the one asked about (nor a synonym of it); AGREE when
        the subject names something asked about; else NEUTRAL."""
        if not asked:
            return NEUTRAL
        named = self._names_of(subject)
        verdict = NEUTRAL
        for kind in {self.kinds[a] for a in asked}:
            mine = [a for a in asked if self.kinds[a] == kind]
            if any(s in subject for a in mine for s in self.synonyms.group(a)):
                verdict = AGREE if verdict == NEUTRAL else verdict
                continue
            if any(self.kinds[n] == kind and not any(n in s for a in mine for s in self.synonyms.group(a))
                   for n in named):
                return CONFLICT
        return verdict

    def mentions(self, asked: tuple[str, ...], text: str, normalized: bool = False) -> bool:
        """True when the text names one of the asked names or a synonym of it."""
        key = text if normalized else search_key(text)
        return any(s in key for a in asked for s in self.synonyms.group(a))

    def _names_of(self, subject: str) -> frozenset[str]:
        """The names in a subject (many chunks share one: a guide's fields, its title)."""
        names = self._subject_names.get(subject)
        if names is None:
            names = self._subject_names[subject] = frozenset(self._found(subject))
        return names
