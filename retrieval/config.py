"""The retrieval pipeline's settings, one section per stage, read from YAML and validated once.

``pipeline.yml`` beside this module is the single source of the defaults; the fitted
decision numbers live in the generated file it names under ``calibrated``. Another file
(``WENZHENG_RETRIEVAL_CONFIG``) holds only what it changes: its sections are laid over
the shipped ones. A key the schema does not know is an error naming the key and the file.
"""

from __future__ import annotations

import dataclasses
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from retrieval.synonyms import Synonyms

DEFAULT_PATH = Path(__file__).resolve().parent / "pipeline.yml"
FUSION_METHODS = ("weighted", "rrf", "bm25", "dense")


@dataclass(frozen=True)
class Spelling:
    homophones: bool  # correct one-character pinyin typos of policy terms


@dataclass(frozen=True)
class BM25:
    k1: float
    b: float


@dataclass(frozen=True)
class Dense:
    exact_max: int  # exact FAISS search up to this many chunks; HNSW above
    hnsw_m: int
    hnsw_ef_search: int


@dataclass(frozen=True)
class Fusion:
    method: str
    dense_weight: float
    dense_floor: float
    dense_ceiling: float
    rrf_k: int
    question_offset: float
    answer_weight: float
    follow_up_weight: float
    repeat_margin: float
    candidates: int

    def __post_init__(self) -> None:
        if self.method not in FUSION_METHODS:
            raise ValueError(f"fusion.method must be one of {', '.join(FUSION_METHODS)}, not {self.method!r}")
        if not 0.0 <= self.dense_weight <= 1.0:
            raise ValueError("fusion.dense_weight must be within [0, 1]")
        if not self.dense_floor < self.dense_ceiling:
            raise ValueError("fusion.dense_floor must be below fusion.dense_ceiling")


@dataclass(frozen=True)
class Region:
    home: str  # where this deployment serves
    penalty: float


@dataclass(frozen=True)
class KeyTermsConfig:
    conflict_penalty: float


@dataclass(frozen=True)
class Calibration:
    weights: tuple[float, ...]  # over [fused, dense, bm25, margin, faq_question]
    bias: float

    def __post_init__(self) -> None:
        if len(self.weights) != 5:
            raise ValueError("decision.calibration.weights needs 5 numbers")


@dataclass(frozen=True)
class Decision:
    answer_threshold: float
    clarify_floor: float
    clarify_margin: float
    choice_floor: float
    max_candidates: int
    calibration: Calibration

    def __post_init__(self) -> None:
        if not 0.0 <= self.clarify_floor <= self.answer_threshold <= 1.0:
            raise ValueError("decision thresholds must satisfy 0 ≤ clarify_floor ≤ answer_threshold ≤ 1")


@dataclass(frozen=True)
class PipelineConfig:
    synonyms: Synonyms  # loaded from the file the YAML's ``synonyms`` names
    spelling: Spelling
    bm25: BM25
    dense: Dense
    fusion: Fusion
    region: Region
    keyterms: KeyTermsConfig
    decision: Decision

    @classmethod
    def load(cls) -> PipelineConfig:
        """The shipped settings (``pipeline.yml`` and its calibration)."""
        return cls.from_yaml(DEFAULT_PATH)

    @classmethod
    def from_yaml(cls, path: Path) -> PipelineConfig:
        """``path``'s settings over the shipped ones."""
        path = path.resolve()
        data = _read(DEFAULT_PATH)
        if path != DEFAULT_PATH:
            data = _overlay(data, _read(path))
        synonyms = data.pop("synonyms", None)
        try:
            return cls(
                synonyms=Synonyms.load(synonyms) if synonyms else Synonyms(),
                **{name: _build(hint, data.get(name, {}), name)
                   for name, hint in typing.get_type_hints(cls).items() if name != "synonyms"},
            )
        except ValueError as error:
            raise ValueError(f"{path}: {error}") from None


def calibration_file(path: Path = DEFAULT_PATH) -> Path:
    """The generated file ``path`` (a pipeline YAML) takes its fitted decision numbers from."""
    name = _load_mapping(path).get("calibrated")
    if not name:
        raise ValueError(f"{path}: names no calibrated file")
    return path.parent / name


def _read(path: Path) -> dict[str, Any]:
    """One pipeline YAML, its keys checked, file references resolved beside it and the
    calibrated file folded into its ``decision`` section."""
    data = _load_mapping(path)
    _check_keys(data, PipelineConfig, path, "", extra=("calibrated",))
    if "synonyms" in data:
        data["synonyms"] = path.parent / data["synonyms"]
    if "calibrated" in data:
        calibrated_path = path.parent / data.pop("calibrated")
        calibrated = _load_mapping(calibrated_path)
        _check_keys(calibrated, Decision, calibrated_path, "")
        data["decision"] = _overlay(data.get("decision") or {}, calibrated)
    return data


def _load_mapping(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping of settings")
    return data


def _check_keys(data: dict[str, Any], cls: type, path: Path, prefix: str, extra: tuple[str, ...] = ()) -> None:
    hints = typing.get_type_hints(cls)
    for key, value in data.items():
        if key not in hints and key not in extra:
            raise ValueError(f"{path}: unknown setting {prefix + key!r} (known: {', '.join([*hints, *extra])})")
        if key in hints and _is_section(hints[key]):
            if not isinstance(value, dict):
                raise ValueError(f"{path}: {prefix}{key} must be a section of settings, not {value!r}")
            _check_keys(value, hints[key], path, f"{prefix}{key}.")


def _is_section(hint: Any) -> bool:
    """A section of settings (a dataclass of this module), rather than a value."""
    return dataclasses.is_dataclass(hint) and hint.__module__ == __name__


def _overlay(base: dict[str, Any], top: dict[str, Any]) -> dict[str, Any]:
    """``base`` with ``top``'s values, section by section."""
    merged = dict(base)
    for key, value in top.items():
        merged[key] = _overlay(base[key], value) if isinstance(value, dict) and isinstance(base.get(key), dict) else value
    return merged


def _build(cls: Any, data: dict[str, Any], where: str) -> Any:
    """The dataclass ``cls`` from ``data``, every value checked against its type."""
    values = {}
    for name, hint in typing.get_type_hints(cls).items():
        key = f"{where}.{name}"
        if name not in data:
            raise ValueError(f"{key} is missing")
        values[name] = (_build(hint, data[name], key) if _is_section(hint)
                        else _typed(key, data[name], hint))
    return cls(**values)


def _typed(key: str, value: Any, hint: Any) -> Any:
    if typing.get_origin(hint) is tuple:
        if not isinstance(value, list | tuple):
            raise ValueError(f"{key} must be a list of numbers, not {value!r}")
        return tuple(_typed(key, v, typing.get_args(hint)[0]) for v in value)
    if hint is float and isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, hint) and not (hint is int and isinstance(value, bool)):
        return value
    expected = {float: "a number", int: "a whole number", bool: "true or false", str: "text"}[hint]
    raise ValueError(f"{key} must be {expected}, not {value!r}")

