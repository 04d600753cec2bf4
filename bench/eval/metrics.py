"""The figures reported for every system, KB, half and style, and the targets they meet."""

from __future__ import annotations

import numpy as np

from bench.eval.systems import Outcome

# Issue 13, item 7: what every KB's test half must reach.
TARGETS = {
    "answered": (">=", 0.70),
    "precision": (">=", 0.95),
    "conf80_right": (">=", 0.95),
    "confident_wrong": ("<=", 0.02),
    "unanswerable_answered": ("<=", 0.05),
}
PRECISION_FLOOR = 0.95  # answered-at-precision counts only at this precision


def _mean(values: list[bool] | list[float]) -> float:
    return float(np.mean(values)) if len(values) else float("nan")


def metrics(outcomes: list[Outcome]) -> dict[str, float]:
    answerable = [o for o in outcomes if o.case.answerable]
    answered = [o for o in outcomes if o.decision == "answer"]
    confident = [o for o in outcomes if o.calibrated and o.score >= 0.8]
    clarified = [o for o in outcomes if o.decision == "clarify"]
    with_answer = [o for o in answerable if o.case.answer]
    return {
        "n": len(outcomes),
        "top1": _mean([o.top1 for o in answerable]),
        "recall5": _mean([any(o.ranks[:5]) for o in answerable]),
        "mrr": _mean([next((1 / (i + 1) for i, r in enumerate(o.ranks) if r), 0.0) for o in answerable]),
        "answered": _mean([o.decision == "answer" for o in answerable]),
        "precision": _mean([o.correct for o in answered]),
        "conf80_right": _mean([o.correct for o in confident]),
        "confident_wrong": _mean([o.decision == "answer" and not o.correct for o in outcomes]),
        "unanswerable_answered": _mean([o.decision == "answer" for o in outcomes if not o.case.answerable]),
        "clarify_relevant": _mean([o.choices_relevant for o in clarified]),
        "clarify_share": _mean([o.decision == "clarify" for o in outcomes]),
        "passage_ok": _mean([o.passage_ok for o in with_answer]),
    }


def answered_at_precision(m: dict[str, float]) -> float:
    """Share of answerable questions answered, counted only when precision holds."""
    return m["answered"] if m["precision"] >= PRECISION_FLOOR or np.isnan(m["precision"]) else 0.0


def meets(name: str, value: float) -> bool:
    op, target = TARGETS[name]
    if np.isnan(value):
        return op == "<="  # nothing answered: nothing answered wrongly
    return value >= target if op == ">=" else value <= target


def pick_threshold(outcomes: list[Outcome]) -> float:
    """The score threshold answering the most dev questions at precision ≥ 0.95 (inf: none)."""
    scores = sorted({o.score for o in outcomes}, reverse=True)
    best, best_answered = float("inf"), 0
    right = wrong = 0
    by_score = sorted(outcomes, key=lambda o: -o.score)
    i = 0
    for score in scores:
        while i < len(by_score) and by_score[i].score >= score:
            right += by_score[i].correct
            wrong += not by_score[i].correct
            i += 1
        if right / (right + wrong) >= PRECISION_FLOOR and right + wrong > best_answered:
            best, best_answered = score, right + wrong
    return best
