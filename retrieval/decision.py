"""Calibrated confidence and the answer / clarify / handoff decision.

Confidence is a logistic function of a few retrieval features; its coefficients are
fitted on the development set by ``make eval`` so that "0.8" means about 80% right.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from retrieval.config import PipelineConfig
from retrieval.fusion import Candidate, rescale_dense
from retrieval.keyterms import CONFLICT

ANSWER, CLARIFY, HANDOFF = "answer", "clarify", "handoff"


def features(candidates: list[Candidate], config: PipelineConfig) -> list[float]:
    """[fused, rescaled dense, bm25 coverage, margin over the next source, FAQ-question match]."""
    if not candidates:
        return [0.0, 0.0, 0.0, 0.0, 0.0]
    top = candidates[0]
    runner_up = next((c for c in candidates[1:] if c.chunk.source_id != top.chunk.source_id), None)
    margin = top.fused - runner_up.fused if runner_up else top.fused
    return [
        top.fused,
        rescale_dense(top.dense, config),
        top.bm25,
        margin,
        1.0 if top.question_match else 0.0,
    ]


def confidence(values: list[float], config: PipelineConfig) -> float:
    z = config.decision.calibration.bias + sum(
        w * x for w, x in zip(config.decision.calibration.weights, values, strict=True)
    )
    return 1.0 / (1.0 + math.exp(-z))


@dataclass
class Decision:
    decision: str
    confidence: float
    candidates: list[Candidate]  # for clarify: the choices; for answer: the answer first


def relevant(cand: Candidate, config: PipelineConfig) -> bool:
    """Worth offering as a choice: about what the question names (when it names a
    document, benefit or service) and scored at least ``choice_floor``."""
    return cand.agreement != CONFLICT and cand.on_topic and cand.fused >= config.decision.choice_floor


def decide(candidates: list[Candidate], config: PipelineConfig, topical: bool = True) -> Decision:
    """``topical=False`` (a follow-up with no topic to follow) never answers directly,
    nor does a candidate about another thing than the one asked (结婚证 for 身份证). A
    clarify list holds only relevant choices; with none, the decision is a handoff."""
    conf = confidence(features(candidates, config), config)
    if not topical or (candidates and candidates[0].agreement == CONFLICT):
        conf = min(conf, (config.decision.clarify_floor + config.decision.answer_threshold) / 2)
    if conf >= config.decision.answer_threshold:
        return Decision(ANSWER, conf, candidates[:1])
    if conf >= config.decision.clarify_floor:
        top = candidates[0].fused
        close = [c for c in candidates if c.fused >= top - 2 * config.decision.clarify_margin and relevant(c, config)]
        seen: set[str] = set()
        choices = []
        for cand in close:
            label = cand.chunk.source_id + cand.chunk.locator
            if label not in seen:
                seen.add(label)
                choices.append(cand)
        if choices:
            return Decision(CLARIFY, conf, choices[: config.decision.max_candidates])
    return Decision(HANDOFF, conf, [])
