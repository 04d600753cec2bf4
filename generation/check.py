"""The check a generated answer must pass before anything reaches a citizen.

Each sentence must carry ``[n]`` markers naming only the sources given, be supported by
the cited text (enough of its character bigrams appear there), and every fact in it — a
number, amount, date, time limit, phone number, address, document name or article
number — must appear in the cited text once both are normalised (full-width forms,
Chinese numerals). Failing sentences are dropped; when too little is left the caller
falls back to the extractive answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property

from generation.normalise import normalise

# Tuned on the dev half of tests/eval/generation.jsonl (see bench/generation.py).
MIN_SUPPORT = 0.6  # support() a sentence needs from the text it cites
MIN_KEPT_SHARE = 0.5  # share of the answer's characters that must survive the check

_SENTENCE = re.compile(r"[^。！？!?；;\n]+[。！？!?；;\n]*(?:\s*\[\d+\])*[。！？!?；;]*")
_MARKER = re.compile(r"\[(\d+)\]")
_CJK_OR_WORD = re.compile(r"[\u4e00-\u9fff]|[a-z0-9]+")
_UNIT = r"(?:个工作日|工作日|个自然日|自然日|个月|周岁|小时|分钟|年|月|日|天|周|元|%|‰|‱|岁|次|倍|人|平方米|公里|号)"
_NUMBER = re.compile(rf"\d+(?:\.\d+)?(?:{_UNIT})?")
_DOCUMENT = re.compile(r"《[^》]{1,60}》")
_ARTICLE = re.compile(r"第\d+[条款项章节]")
_ADDRESS = re.compile(r"[\u4e00-\u9fff]{2,12}?(?:路|街|大道|巷|广场|大厦|大楼|中心)\d*号?(?:\d+[楼层室])?")
# Words that say nothing checkable, ignored when measuring support.
_FILLER = set("的了是在和与及或您你我们可以需要应当按照根据如果请就也都将对为这那其等")


@dataclass(frozen=True)
class Source:
    n: int
    title: str
    locator: str
    text: str

    @cached_property
    def cited_text(self) -> str:
        return normalise(f"《{self.title}》{self.locator}\n{self.text}").lower()


@dataclass
class Verdict:
    sentence: str
    ok: bool
    reasons: list[str] = field(default_factory=list)
    support: float = 0.0


@dataclass
class CheckResult:
    verdicts: list[Verdict]
    kept_share: float

    @property
    def kept(self) -> list[Verdict]:
        return [v for v in self.verdicts if v.ok]

    @property
    def removed(self) -> list[Verdict]:
        return [v for v in self.verdicts if not v.ok]

    @property
    def answers(self) -> bool:
        """Whether what survived still answers: something left, and enough of it."""
        return bool(self.kept) and self.kept_share >= MIN_KEPT_SHARE

    @property
    def text(self) -> str:
        return "".join(v.sentence for v in self.kept).strip()


def sentences(answer: str) -> list[str]:
    """The answer cut after each sentence end, a marker after the end staying with it."""
    return [s for s in (m.group(0) for m in _SENTENCE.finditer(answer.strip())) if s.strip()]


def _grams(text: str) -> tuple[set[str], set[str]]:
    """Content characters (or ASCII words) of ``text`` and their adjacent pairs."""
    tokens = [t for t in _CJK_OR_WORD.findall(text) if t not in _FILLER]
    return set(tokens), {a + b for a, b in zip(tokens, tokens[1:], strict=False)}


def support(sentence: str, cited: str) -> float:
    """How much of the sentence the cited text holds: mean of character and bigram recall."""
    chars, pairs = _grams(_MARKER.sub("", sentence))
    if not chars:
        return 0.0
    cited_chars, cited_pairs = _grams(cited)
    char_recall = len(chars & cited_chars) / len(chars)
    pair_recall = len(pairs & cited_pairs) / len(pairs) if pairs else char_recall
    return (char_recall + pair_recall) / 2


def facts(sentence: str) -> list[str]:
    """The checkable facts of a normalised sentence: numbers with units, names, articles, places."""
    text = _MARKER.sub("", sentence)
    found = _DOCUMENT.findall(text) + _ARTICLE.findall(text) + _ADDRESS.findall(text)
    stripped = _ARTICLE.sub("", text)
    return found + _NUMBER.findall(stripped)


def missing_facts(sentence: str, cited: str) -> list[str]:
    missing = []
    for fact in facts(sentence):
        if fact.startswith("《"):
            if fact[1:-1] not in cited:
                missing.append(fact)
        elif fact[0].isdigit():
            if not re.search(rf"(?<![\d.]){re.escape(fact)}", cited):
                missing.append(fact)
        elif fact not in cited:
            missing.append(fact)
    return missing


def check_sentence(
    sentence: str, sources: dict[int, Source], min_support: float = MIN_SUPPORT
) -> Verdict:
    markers = {int(n) for n in _MARKER.findall(sentence)}
    verdict = Verdict(sentence=sentence, ok=False)
    if not markers:
        verdict.reasons.append("无引用标注")
        return verdict
    unknown = sorted(markers - sources.keys())
    if unknown:
        verdict.reasons.append(f"引用了未提供的来源 {unknown}")
        return verdict
    cited = "\n".join(sources[n].cited_text for n in sorted(markers))
    text = normalise(sentence).lower()
    verdict.support = round(support(text, cited), 3)
    if verdict.support < min_support:
        verdict.reasons.append(f"来源支持不足（{verdict.support:.2f}）")
    missing = missing_facts(text, cited)
    if missing:
        verdict.reasons.append("来源中没有：" + "、".join(missing))
    verdict.ok = not verdict.reasons
    return verdict


def check(answer: str, sources: list[Source], min_support: float = MIN_SUPPORT) -> CheckResult:
    """Every sentence of ``answer`` judged against the sources it cites."""
    given = {s.n: s for s in sources}
    verdicts = [check_sentence(s, given, min_support) for s in sentences(answer)]
    total = sum(len(v.sentence) for v in verdicts)
    kept = sum(len(v.sentence) for v in verdicts if v.ok)
    return CheckResult(verdicts=verdicts, kept_share=kept / total if total else 0.0)
