"""Chinese text normalisation and tokenisation shared by indexing and querying.

Search keys are normalised by ``core.text.search_key`` (full-width →
half-width, traditional → simplified, case-folded); displayed text is never changed. jieba cuts in search mode with a
user dictionary of policy terms, so "住房公积金" also yields "公积金".
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import jieba

from core.text import search_key as normalize
from retrieval.vocabulary import STOPWORD_LIST, word_list

_lock = threading.Lock()
_tokenizer = jieba.Tokenizer()
_loaded_dicts: set[str] = set()
# Words that name a topic on their own (居住证, 公积金, 残疾证 ...), for follow-up detection.
topic_terms: set[str] = set()
_initialised = False

# Function words and chat filler that carry no topic; policy words are kept.
STOPWORDS = frozenset(word_list(STOPWORD_LIST))

_PUNCT_OR_SPACE = re.compile(r"[\s\W_]+", re.UNICODE)

# Split verb-object words (离合词): in "扣几分", "一次记12分", "请三天假" and "加两个小时班"
# a number or question word sits inside 扣分, 记分, 请假 and 加班, where jieba cannot see
# them. Each such phrase also yields the joined word.
_AMOUNT = r"了?(?:\d+|[一二三四五六七八九十两半几多少]+)个?(?:天|小时)?"
_SPLIT_WORDS = re.compile(rf"([扣记]){_AMOUNT}(分)(?!之)|(请){_AMOUNT}(假)|(加){_AMOUNT}(班)")


def _ensure_initialised() -> None:
    global _initialised
    if not _initialised:
        with _lock:
            if not _initialised:
                _tokenizer.initialize()
                _initialised = True


def load_user_dictionary(path: Path) -> None:
    """Add policy terms (jieba format: ``word [freq] [tag]`` per line); loaded once per path."""
    key = str(path.resolve())
    if key in _loaded_dicts or not path.exists():
        return
    _ensure_initialised()
    with _lock:
        _tokenizer.load_userdict(key)
        _loaded_dicts.add(key)
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        # Curated terms carry a high frequency; long derived ones are specific enough.
        if parts and (len(parts[0]) >= 3 or (len(parts) > 1 and parts[1].isdigit() and int(parts[1]) >= 20000)):
            topic_terms.add(normalize(parts[0]))
    _tokens_cached.cache_clear()


def add_terms(terms: Iterable[str]) -> None:
    """Teach jieba words found in the knowledge base (service names, agencies)."""
    _ensure_initialised()
    with _lock:
        for term in terms:
            term = normalize(term)
            if 1 < len(term) <= 20:
                _tokenizer.add_word(term, freq=2000)
            if len(term) >= 3:
                topic_terms.add(term)
    _tokens_cached.cache_clear()


# Must exceed the chunks of a knowledge base (demo: 22,319), or every index build of the
# test panel's draft preview evicts the cache in passing and re-cuts every chunk (7-11 s).
TOKEN_CACHE_SIZE = 100_000


@lru_cache(maxsize=TOKEN_CACHE_SIZE)
def _tokens_cached(key: str) -> tuple[str, ...]:
    _ensure_initialised()
    tokens = []
    for token in _tokenizer.cut_for_search(key):
        token = token.strip()
        if not token or token in STOPWORDS or _PUNCT_OR_SPACE.fullmatch(token):
            continue
        tokens.append(token)
    tokens += ["".join(parts) for parts in _SPLIT_WORDS.findall(key)]
    return tuple(tokens)


def is_word(text: str) -> bool:
    """True when jieba knows the text as a word (its dictionary or the policy terms)."""
    _ensure_initialised()
    return _tokenizer.FREQ.get(text, 0) > 0


def dictionary_words(text: str) -> list[str]:
    """The text cut into dictionary words only (no guessing of unknown ones), in order."""
    _ensure_initialised()
    return list(_tokenizer.cut(text, HMM=False))


def names_a_topic(text: str) -> bool:
    """True when the text contains a known policy term (a service, a benefit, a document)."""
    key = normalize(text)
    return any(term in key for term in topic_terms)


def tokenize(text: str) -> list[str]:
    """Search-mode tokens of the normalised text, without stopwords and punctuation."""
    return list(_tokens_cached(normalize(text)))


def short_words(text: str, longest: int = 4) -> list[str]:
    """The text cut into words of at most ``longest`` characters (jieba's own route over
    its dictionary without longer entries): a whole service name taught as one word
    (办理往来港澳通行证个人游签注) still comes apart into 港澳/通行证/个人/游/签注."""
    _ensure_initialised()
    dag = {i: [j for j in ends if j - i < longest] or [i] for i, ends in _tokenizer.get_DAG(text).items()}
    route: dict[int, tuple[float, int]] = {}
    _tokenizer.calc(text, dag, route)
    words, i = [], 0
    while i < len(text):
        j = route[i][1] + 1
        words.append(text[i:j])
        i = j
    return words
