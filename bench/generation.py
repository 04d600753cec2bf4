"""How well the generated-answer check catches unsupported sentences, and how fast it is.

`python -m bench.generation --out docs/generation.md` (make generation-report) runs the
check on the hand-labelled triples of tests/eval/generation.jsonl: the support threshold
is chosen on the dev half only, and precision/recall at catching unsupported sentences
are reported on both halves, beside simpler checks (markers only, markers + facts).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.report import write_section
from generation.check import MIN_SUPPORT, Source, check, check_sentence, missing_facts, sentences
from generation.normalise import normalise

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA = PROJECT_ROOT / "tests" / "eval" / "generation.jsonl"
START, END = "<!-- generation-report:start -->", "<!-- generation-report:end -->"
SWEEP = [round(0.30 + 0.05 * i, 2) for i in range(11)]


@dataclass
class Scored:
    split: str
    unsupported: bool  # the hand label
    marker_fault: bool  # no marker, or one naming a source not given
    fact_fault: bool
    support: float


def load(path: Path = DATA) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def _sources(row: dict[str, Any]) -> list[Source]:
    return [Source(**s) for s in row["sources"]]


def score(rows: list[dict[str, Any]]) -> list[Scored]:
    """Each labelled sentence's check components, the sentence split checked against the labels."""
    scored = []
    for row in rows:
        labels = row["sentences"]
        answer = "".join(s["text"] for s in labels)
        if sentences(answer) != [s["text"] for s in labels]:
            raise SystemExit(f"{row['id']}: the check splits this answer differently from its labels")
        given = {s.n: s for s in _sources(row)}
        for label in labels:
            verdict = check_sentence(label["text"], given, min_support=0.0)
            marker_fault = any("引用" in r for r in verdict.reasons)
            cited = "\n".join(s.cited_text for s in given.values())
            facts = bool(missing_facts(normalise(label["text"]).lower(), cited))
            scored.append(Scored(row["split"], not label["supported"], marker_fault,
                                 facts and not marker_fault, verdict.support))
    return scored


def prf(items: list[Scored], flagged) -> tuple[float, float, float]:
    tp = sum(1 for s in items if flagged(s) and s.unsupported)
    fp = sum(1 for s in items if flagged(s) and not s.unsupported)
    fn = sum(1 for s in items if not flagged(s) and s.unsupported)
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def full_check(threshold: float):
    return lambda s: s.marker_fault or s.fact_fault or s.support < threshold


def timing(rows: list[dict[str, Any]], repeat: int = 5) -> tuple[float, float]:
    """Mean and 95th-percentile milliseconds to check one whole answer."""
    times = []
    for _ in range(repeat):
        for row in rows:
            answer = "".join(s["text"] for s in row["sentences"])
            start = time.perf_counter()
            check(answer, _sources(row))
            times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return statistics.mean(times), times[int(0.95 * (len(times) - 1))]


def report(rows: list[dict[str, Any]]) -> str:
    scored = score(rows)
    dev = [s for s in scored if s.split == "dev"]
    test = [s for s in scored if s.split == "test"]
    best = max(SWEEP, key=lambda t: (prf(dev, full_check(t))[2], -abs(t - 0.6)))
    checks = [
        ("markers only (no marker / unknown source)", lambda s: s.marker_fault),
        ("markers + facts (numbers, names, articles)", lambda s: s.marker_fault or s.fact_fault),
        (f"markers + support ≥ {MIN_SUPPORT}", lambda s: s.marker_fault or s.support < MIN_SUPPORT),
        (f"**full check (shipped, support ≥ {MIN_SUPPORT})**", full_check(MIN_SUPPORT)),
    ]
    lines = [
        START,
        f"Data: {len(rows)} triples, {len(scored)} hand-labelled sentences "
        f"({sum(s.unsupported for s in scored)} unsupported); dev {len(dev)} sentences, "
        f"test {len(test)} (test sources never seen while tuning).",
        "",
        "Catching unsupported sentences (positive = unsupported, flagged = dropped):",
        "",
        "| check | dev P | dev R | dev F1 | test P | test R | test F1 |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, flagged in checks:
        d, t = prf(dev, flagged), prf(test, flagged)
        lines.append(f"| {name} | {d[0]:.2f} | {d[1]:.2f} | {d[2]:.2f} | {t[0]:.2f} | {t[1]:.2f} | {t[2]:.2f} |")
    lines += ["", "Support threshold sweep (full check), chosen on dev F1:", "",
              "| threshold | dev P | dev R | dev F1 | test F1 |", "|---|---|---|---|---|"]
    for threshold in SWEEP:
        d, te = prf(dev, full_check(threshold)), prf(test, full_check(threshold))
        mark = " (dev best)" if threshold == best else ""
        lines.append(f"| {threshold:.2f}{mark} | {d[0]:.2f} | {d[1]:.2f} | {d[2]:.2f} | {te[2]:.2f} |")
    mean, p95 = timing(rows)
    lines += ["", f"Time to check one answer (whole completion, {len(rows)} answers × 5): "
              f"mean {mean:.2f} ms, p95 {p95:.2f} ms on this machine (shared 2-core box).", END]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "docs" / "generation.md")
    args = parser.parse_args()
    section = report(load())
    write_section(args.out, section, START, END)
    print(section)


if __name__ == "__main__":
    main()
