"""`make eval`: answer quality on every evaluation KB, held-out halves, engine beside baselines.

Usage: ``python -m bench.eval [--out docs/eval.md] [--calibrate] [--kb NAME ...] [--limit N]``.
Each KB is built into its own throw-away home under ``var/eval/`` (passage vectors come
from the shared embedding cache). ``--calibrate`` fits the engine's confidence on the
pooled dev halves and writes ``retrieval/calibration.yml``; the report is then measured
with the fitted numbers. ``--limit`` keeps the first N questions per KB (quick iterations;
never for the committed report).
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

from bench.eval.baselines import METHODS, WEIGHTS, Baselines, Scored
from bench.eval.calibration import calibrate
from bench.eval.cases import Case, load_cases
from bench.eval.kbs import KNOWLEDGE_BASES, KnowledgeBase, ProgressEmbedder, build
from bench.eval.metrics import metrics, pick_threshold
from bench.eval.report import KbResult, write_report
from bench.eval.systems import Outcome, run_engine
from bot.config import PROJECT_ROOT
from retrieval.config import PipelineConfig, calibration_file
from retrieval.embedder import CachedEmbedder
from retrieval.searcher import Searcher


@dataclass
class Prepared:
    kb: KnowledgeBase
    cases: list[Case]
    searcher: Searcher
    baselines: Baselines
    scored: list[Scored]


def prepare(kb: KnowledgeBase, limit: int | None) -> Prepared:
    app = build(kb)
    service = app.extensions["wenzheng.retrieval"]
    searcher = service.searcher()
    cases = load_cases(kb.questions, kb.name)[:limit]
    questions = CachedEmbedder(ProgressEmbedder(service.embedder.inner, f"{kb.name}: FAQ questions", as_queries=True),
                               Path(app.config["EMBEDDING_CACHE"]))
    baselines = Baselines(searcher.snapshot.chunks, service.embedder, questions, searcher.config.bm25)
    return Prepared(kb, cases, searcher, baselines, baselines.score(cases, kb.name))


def baseline_runs(p: Prepared) -> tuple[dict[str, list[Outcome]], dict[str, str]]:
    """Every baseline's outcomes, its weight and answer threshold picked on the dev half."""
    dev = [i for i, c in enumerate(p.cases) if c.split == "dev"]
    runs, notes = {}, {}
    for method in METHODS:
        weight = 0.5
        if method == "weighted":
            def dev_quality(w: float) -> tuple[float, float]:
                m = metrics([p.baselines.outcome(p.cases[i], p.baselines.fused(p.scored[i], "weighted", w), 0.0)
                             for i in dev])
                return m["top1"], m["mrr"]
            weight = max(WEIGHTS, key=dev_quality)
        values = [p.baselines.fused(s, method, weight) for s in p.scored]
        threshold = pick_threshold([p.baselines.outcome(p.cases[i], values[i], 0.0) for i in dev])
        runs[method] = [p.baselines.outcome(c, v, threshold) for c, v in zip(p.cases, values, strict=True)]
        notes[method] = (f" (w = {weight})" if method == "weighted" else "") + \
            (f", answers at ≥ {threshold:.3f}" if threshold != float("inf") else ", never answers")
    return runs, {k: f"<br>{v.lstrip(', ')}" for k, v in notes.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "docs" / "eval.md")
    parser.add_argument("--calibrate", action="store_true", help="fit the confidence on the dev halves first")
    parser.add_argument("--kb", action="append", choices=[kb.name for kb in KNOWLEDGE_BASES],
                        help="only these KBs (repeatable; default all)")
    parser.add_argument("--limit", type=int, help="first N questions per KB (quick checks only)")
    args = parser.parse_args()

    chosen = [kb for kb in KNOWLEDGE_BASES if not args.kb or kb.name in args.kb]
    # Build order does not change any figure; the demo (usually already in the shared cache) goes last.
    built = {kb.name: prepare(kb, args.limit) for kb in reversed(chosen)}
    prepared = [built[kb.name] for kb in chosen]
    config = PipelineConfig.load()
    calibrated = "as committed in retrieval/calibration.yml"
    if args.calibrate:
        def dev_run(cfg: PipelineConfig) -> list[Outcome]:
            return [o for p in prepared
                    for o in run_engine(p.searcher, cfg, [c for c in p.cases if c.split == "dev"], p.kb.name)]
        config = calibrate(dev_run(config), config, dev_run, calibration_file())
        calibrated = f"fitted in this run on {sum(c.split == 'dev' for p in prepared for c in p.cases)} dev questions"

    results = []
    for p in prepared:
        systems, notes = baseline_runs(p)
        engine = run_engine(p.searcher, config, p.cases, p.kb.name)
        snapshot = p.searcher.snapshot
        results.append(KbResult(p.kb, snapshot.item_count, len(snapshot.chunks), {"engine": engine, **systems}, notes))
        m = metrics([o for o in engine if o.case.split == "test"])
        print(f"[{p.kb.name}] engine test: top-1 {m['top1']:.3f}, answered {m['answered']:.3f}, "
              f"precision {m['precision']:.3f}", flush=True)
    text = write_report(results, config, calibrated)
    args.out.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
