"""Evaluation questions, their gold, and the one rule that splits them into dev and test."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from core.text import search_key


def split_of(case_id: str) -> str:
    """The half a question belongs to; fixed by its id, so nobody can choose."""
    return "dev" if int(hashlib.sha256(case_id.encode()).hexdigest(), 16) % 2 == 0 else "test"


@dataclass(frozen=True)
class Case:
    id: str
    question: str
    history: list[str]
    answerable: bool
    gold: list[dict[str, str]]
    style: str
    answer: str = ""  # text the quoted passage must contain (long documents)
    kb: str = ""
    split: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "split", split_of(self.id))


def load_cases(path: Path, kb: str = "") -> list[Case]:
    cases = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            raw = json.loads(line)
            cases.append(Case(raw["id"], raw["question"], raw.get("history", []), raw["answerable"],
                              raw.get("gold", []), raw.get("style", ""), raw.get("answer", ""), kb))
    return cases


def normalized(text: str) -> str:
    """Text compared for containment: simplified, half-width, case-folded, no spaces."""
    return "".join(search_key(text).split())


def is_gold(source_id: str, locator: str, case: Case) -> bool:
    return any(source_id == g["source_id"] and (not g.get("locator") or g["locator"] in locator)
               for g in case.gold)


def contains_answer(text: str, case: Case) -> bool:
    return bool(case.answer) and normalized(case.answer) in normalized(text)
