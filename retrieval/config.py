"""The retrieval pipeline's settings, read from YAML and validated once."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from retrieval.synonyms import Synonyms


@dataclass(frozen=True)
class Calibration:
    weights: tuple[float, ...]
    bias: float


@dataclass(frozen=True)
class PipelineConfig:
    bm25_k1: float = 1.2
    bm25_b: float = 0.75
    exact_max: int = 200_000
    hnsw_m: int = 32
    hnsw_ef_search: int = 512
    fusion_method: str = "weighted"
    dense_weight: float = 0.6
    dense_floor: float = 0.75
    dense_ceiling: float = 0.93
    rrf_k: int = 60
    question_offset: float = 0.0
    answer_weight: float = 0.0
    candidates: int = 50
    follow_up_weight: float = 0.0
    repeat_margin: float = 1.0
    home_region: str = ""
    synonyms: Synonyms = field(default_factory=Synonyms)
    correct_homophones: bool = False
    region_penalty: float = 0.0
    term_conflict_penalty: float = 0.0
    answer_threshold: float = 0.6
    clarify_floor: float = 0.3
    clarify_margin: float = 0.05
    choice_floor: float = 0.0
    max_candidates: int = 3
    calibration: Calibration = field(default_factory=lambda: Calibration((6.0, 2.0, 2.0, 4.0, 0.5), -5.0))

    def __post_init__(self) -> None:
        for name, value in vars(self).items():
            if name not in {"fusion_method", "calibration", "home_region", "synonyms"} and not isinstance(value, int | float):
                raise ValueError(f"{name} must be a number, not {value!r}")
        if self.fusion_method not in {"weighted", "rrf", "bm25", "dense"}:
            raise ValueError(f"unknown fusion method {self.fusion_method!r}")
        if not 0.0 <= self.dense_weight <= 1.0:
            raise ValueError("fusion.dense_weight must be within [0, 1]")
        if not self.dense_floor < self.dense_ceiling:
            raise ValueError("fusion.dense_floor must be below fusion.dense_ceiling")
        if not 0.0 <= self.clarify_floor <= self.answer_threshold <= 1.0:
            raise ValueError("decision thresholds must satisfy 0 ≤ clarify_floor ≤ answer_threshold ≤ 1")
        if len(self.calibration.weights) != 5:
            raise ValueError("decision.calibration.weights needs 5 numbers")

    @classmethod
    def from_yaml(cls, path: Path) -> PipelineConfig:
        data: dict[str, Any] = yaml.safe_load(path.read_text()) or {}
        bm25, dense = data.get("bm25", {}), data.get("dense", {})
        fusion, decision, region = data.get("fusion", {}), data.get("decision", {}), data.get("region", {})
        if "calibrated" in data:  # the fitted decision numbers live in their own generated file
            decision = {**decision, **(yaml.safe_load((path.parent / data["calibrated"]).read_text()) or {})}
        calibration = decision.get("calibration", {})
        defaults = cls()
        return cls(
            bm25_k1=bm25.get("k1", defaults.bm25_k1),
            bm25_b=bm25.get("b", defaults.bm25_b),
            exact_max=dense.get("exact_max", defaults.exact_max),
            hnsw_m=dense.get("hnsw_m", defaults.hnsw_m),
            hnsw_ef_search=dense.get("hnsw_ef_search", defaults.hnsw_ef_search),
            fusion_method=fusion.get("method", defaults.fusion_method),
            dense_weight=fusion.get("dense_weight", defaults.dense_weight),
            dense_floor=fusion.get("dense_floor", defaults.dense_floor),
            dense_ceiling=fusion.get("dense_ceiling", defaults.dense_ceiling),
            rrf_k=fusion.get("rrf_k", defaults.rrf_k),
            question_offset=fusion.get("question_offset", defaults.question_offset),
            follow_up_weight=fusion.get("follow_up_weight", defaults.follow_up_weight),
            repeat_margin=fusion.get("repeat_margin", defaults.repeat_margin),
            answer_weight=fusion.get("answer_weight", defaults.answer_weight),
            candidates=fusion.get("candidates", defaults.candidates),
            home_region=str(region.get("home", defaults.home_region)),
            synonyms=Synonyms.load(path.parent / data["synonyms"]) if "synonyms" in data else defaults.synonyms,
            correct_homophones=bool(data.get("spelling", {}).get("homophones", defaults.correct_homophones)),
            region_penalty=region.get("penalty", defaults.region_penalty),
            term_conflict_penalty=data.get("keyterms", {}).get("conflict_penalty", defaults.term_conflict_penalty),
            answer_threshold=decision.get("answer_threshold", defaults.answer_threshold),
            clarify_floor=decision.get("clarify_floor", defaults.clarify_floor),
            clarify_margin=decision.get("clarify_margin", defaults.clarify_margin),
            choice_floor=decision.get("choice_floor", defaults.choice_floor),
            max_candidates=decision.get("max_candidates", defaults.max_candidates),
            calibration=Calibration(
                tuple(calibration.get("weights", defaults.calibration.weights)),
                calibration.get("bias", defaults.calibration.bias),
            ),
        )
