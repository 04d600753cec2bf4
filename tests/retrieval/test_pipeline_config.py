"""The pipeline settings: pipeline.yml is the one source of defaults, and a key the
schema does not know is an error naming it and its file, never silently ignored."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest
import yaml

from retrieval.config import DEFAULT_PATH, PipelineConfig, calibration_file


def _shipped_values(path: Path) -> dict[str, dict]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data.pop("synonyms"), data.pop("calibrated")
    return data


def test_the_shipped_settings_are_those_pipeline_yml_and_its_calibration_file_write():
    config = PipelineConfig.load()
    for section, values in _shipped_values(DEFAULT_PATH).items():
        for key, value in values.items():
            assert getattr(getattr(config, section), key) == value, f"{section}.{key}"
    fitted = yaml.safe_load(calibration_file().read_text(encoding="utf-8"))
    assert config.decision.answer_threshold == fitted["answer_threshold"]
    assert config.decision.clarify_floor == fitted["clarify_floor"]
    assert list(config.decision.calibration.weights) == fitted["calibration"]["weights"]
    assert config.synonyms.words  # the synonym file it names


def test_another_file_changes_only_what_it_names(tmp_path):
    (tmp_path / "site.yml").write_text("region:\n  home: 北京\nfusion:\n  method: rrf\n", encoding="utf-8")
    shipped, site = PipelineConfig.load(), PipelineConfig.from_yaml(tmp_path / "site.yml")
    assert (site.region.home, site.fusion.method) == ("北京", "rrf")
    assert site.region.penalty == shipped.region.penalty
    assert dataclasses.replace(site.fusion, method=shipped.fusion.method) == shipped.fusion
    assert (site.bm25, site.dense, site.decision, site.synonyms) == (
        shipped.bm25, shipped.dense, shipped.decision, shipped.synonyms)


@pytest.mark.parametrize(
    ("content", "named"),
    [
        ("fusion:\n  dense_wieght: 0.5\n", "'fusion.dense_wieght'"),  # a typo
        ("rerank:\n  top: 5\n", "'rerank'"),  # a section that does not exist
        ("decision:\n  calibration:\n    bais: 1.0\n", "'decision.calibration.bais'"),
    ],
)
def test_an_unknown_key_is_an_error_naming_it_and_the_file(tmp_path, content, named):
    path = tmp_path / "site.yml"
    path.write_text(content)
    with pytest.raises(ValueError, match=f"{re.escape(str(path))}: unknown setting {re.escape(named)}"):
        PipelineConfig.from_yaml(path)


def test_an_unknown_key_in_the_calibrated_file_names_that_file(tmp_path):
    (tmp_path / "site.yml").write_text("calibrated: fitted.yml\n")
    (tmp_path / "fitted.yml").write_text("answer_treshold: 0.7\n")
    with pytest.raises(ValueError, match=r"fitted\.yml.*answer_treshold"):
        PipelineConfig.from_yaml(tmp_path / "site.yml")


@pytest.mark.parametrize(
    ("content", "named"),
    [
        ("bm25:\n  k1: high\n", "bm25.k1"),
        ("dense:\n  hnsw_m: 3.5\n", "dense.hnsw_m"),
        ("fusion:\n  method: magic\n", "fusion.method"),
        ("decision:\n  calibration:\n    weights: [1, 2]\n", "decision.calibration.weights"),
        ("fusion: 0.5\n", "fusion"),
    ],
)
def test_a_bad_value_is_an_error_naming_the_setting(tmp_path, content, named):
    path = tmp_path / "site.yml"
    path.write_text(content)
    with pytest.raises(ValueError, match=re.escape(named)):
        PipelineConfig.from_yaml(path)
