"""The evaluation KBs and their question sets: shape, gold that resolves, honest splits.

Reads only repository files (tests/eval/kbs/), so it runs on a fresh clone.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from bench.eval import build_faq_kb
from bench.eval.calibration import write
from bench.eval.cases import Case, load_cases, normalized, split_of
from bench.eval.kbs import KNOWLEDGE_BASES
from bench.eval.metrics import pick_threshold
from bench.eval.systems import Outcome
from knowledge_base.formats.documents import read_document_jsonl
from knowledge_base.importer import read_file
from retrieval.config import Calibration, PipelineConfig

KBS = Path(__file__).with_name("kbs")
STYLES = {"colloquial", "keywords", "typo", "followup", "traditional", "formal"}


@pytest.fixture(scope="module")
def faqs() -> dict[str, dict]:
    return {item["external_id"]: item for item in read_file(KBS / "faq" / "faq.jsonl", "faq")}


@pytest.fixture(scope="module")
def notices() -> dict[str, str]:
    return {item["external_id"]: item["body"] for item in read_document_jsonl(KBS / "notices" / "notices.jsonl")}


@pytest.mark.parametrize("kb", KNOWLEDGE_BASES, ids=lambda kb: kb.name)
def test_question_sets_have_both_halves_and_unanswerables(kb):
    cases = load_cases(kb.questions, kb.name)
    assert len({c.id for c in cases}) == len(cases)
    assert {c.style for c in cases} <= STYLES
    for half in ("dev", "test"):
        part = [c for c in cases if c.split == half]
        assert len(part) >= 0.35 * len(cases), f"{kb.name} {half} half too small"
        assert any(not c.answerable for c in part), f"{kb.name} {half} has no unanswerable question"
    assert all(c.answerable == bool(c.gold) for c in cases)
    assert all(c.history for c in cases if c.style == "followup")


def test_split_rule_is_fixed():
    """The rule every helper shares (sha256 of the id, even → dev): changing it would
    silently move questions between halves, so these stay as they were written."""
    assert [split_of(i) for i in ("q001", "q002", "q003", "faq-q001", "ntc-q001")] == \
        ["dev", "test", "dev", "test", "dev"]


def test_faq_kb_is_large_with_near_duplicates(faqs):
    assert len(faqs) >= 1000
    questions = [item["question"] for item in faqs.values()]
    assert len(set(questions)) < len(questions), "real FAQ lists repeat questions across departments"


def test_faq_kb_is_what_the_committed_script_builds(tmp_path, monkeypatch):
    monkeypatch.setattr(build_faq_kb, "OUT", tmp_path / "faq.jsonl")
    build_faq_kb.main()
    assert (tmp_path / "faq.jsonl").read_bytes() == (KBS / "faq" / "faq.jsonl").read_bytes()


def test_faq_golds_exist_and_questions_are_not_copies(faqs):
    own = {normalized(item["question"]) for item in faqs.values()}
    for case in load_cases(KBS / "faq" / "questions.jsonl"):
        assert normalized(case.question) not in own, case.id
        for gold in case.gold:
            assert gold["source_id"] in faqs, case.id


def test_notices_kb_keeps_the_distractors_and_golds_hold_the_answer(notices):
    assert len(notices) >= 200
    cases = load_cases(KBS / "notices" / "questions.jsonl")
    for case in cases:
        if case.answerable:
            assert case.answer, case.id
            for gold in case.gold:
                assert normalized(case.answer) in normalized(notices[gold["source_id"]]), case.id


def _outcome(correct: bool, score: float) -> Outcome:
    case = Case("x", "q", [], True, [{"source_id": "s", "locator": ""}], "colloquial")
    return Outcome(case, [correct], "answer", score)


def test_baseline_threshold_answers_most_at_precision():
    outcomes = [_outcome(True, s) for s in np.linspace(0.9, 0.5, 19)] + [_outcome(False, 0.55)]
    # Answering everything down to 0.5 is 19/20 = 0.95 right: allowed.
    assert pick_threshold(outcomes) == pytest.approx(0.5)
    worse = [*outcomes, _outcome(False, 0.52)]
    assert pick_threshold(worse) > 0.52
    assert pick_threshold([_outcome(False, 0.9)]) == float("inf")


def test_fitted_numbers_load_from_their_own_file(tmp_path):
    (tmp_path / "pipeline.yml").write_text("calibrated: fitted.yml\ndecision:\n  max_candidates: 2\n")
    fitted = dataclasses.replace(PipelineConfig.load().decision, answer_threshold=0.77, clarify_floor=0.21,
                                 calibration=Calibration((1.0, 2.0, 3.0, 4.0, 5.0), -6.0))
    write(tmp_path / "fitted.yml", fitted, n_dev=10)
    loaded = PipelineConfig.from_yaml(tmp_path / "pipeline.yml").decision
    assert (loaded.answer_threshold, loaded.clarify_floor, loaded.max_candidates) == (0.77, 0.21, 2)
    assert loaded.calibration == fitted.calibration
