"""What every evaluated system returns for one question, and the engine run that fills it."""

from __future__ import annotations

from dataclasses import dataclass, field

from tqdm import tqdm

from bench.eval.cases import Case, contains_answer, is_gold
from retrieval.answer import quote
from retrieval.config import PipelineConfig
from retrieval.decision import CLARIFY, features
from retrieval.fusion import Candidate
from retrieval.searcher import Searcher

TOP = 10


@dataclass
class Outcome:
    case: Case
    ranks: list[bool]  # relevance of the top 10 sources
    decision: str  # answer | clarify | handoff
    score: float  # engine: its calibrated confidence; baselines: their top score
    quoted: str = ""  # the passage the answer would quote (the top source)
    choices_relevant: bool = False  # clarify: a choice is a gold source
    features: list[float] = field(default_factory=list)
    calibrated: bool = True  # the score is a confidence (engine), not a raw retrieval score

    @property
    def top1(self) -> bool:
        return bool(self.ranks) and self.ranks[0]

    @property
    def correct(self) -> bool:
        """Answerable and the first source is a gold one."""
        return self.case.answerable and self.top1

    @property
    def passage_ok(self) -> bool:
        return self.top1 and contains_answer(self.quoted, self.case)


def _relevant(cand: Candidate, case: Case) -> bool:
    return is_gold(cand.chunk.source_id, cand.chunk.locator, case)


def run_engine(searcher: Searcher, config: PipelineConfig, cases: list[Case], label: str) -> list[Outcome]:
    """The answer engine as a citizen meets it: one chat turn per question, with history."""
    searcher.config = config
    outcomes = []
    for case in tqdm(cases, desc=f"{label}: engine", unit="q", leave=False):
        turn = searcher.turn(case.question, case.history)
        candidates, decided = turn.run.candidates, turn.decision
        quoted = quote(candidates[0]) if candidates else ""
        outcomes.append(Outcome(
            case, [_relevant(c, case) for c in candidates[:TOP]], decided.decision, decided.confidence, quoted,
            decided.decision == CLARIFY and any(_relevant(c, case) for c in decided.candidates),
            features(candidates, config),
        ))
    return outcomes
