"""Intent F1 of the NLU pipeline on a held-out split, with ablations, into docs/nlu.md.

`python -m bench.nlu_report --out docs/nlu.md` (make nlu-report): splits data/nlu 80/20
(fixed seed), trains each pipeline variant on the 80 %, tests on the 20 %, and writes
the macro-F1 and the recall of the intents that matter most.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import tempfile
import time
from pathlib import Path

import yaml

from bench.report import write_section

PROJECT_ROOT = Path(__file__).resolve().parent.parent
RASA = PROJECT_ROOT / ".venv-rasa" / "bin" / "rasa"
CRITICAL_INTENTS = ("urgent_safety", "complaint", "request_human", "ask_policy")
MARKER_START, MARKER_END = "<!-- nlu-report:start -->", "<!-- nlu-report:end -->"


def _variants(config: dict) -> dict[str, dict]:
    """The shipped pipeline and the same without each of its three additions."""
    pipeline = config["pipeline"]
    no_guard = [c for c in pipeline if not c["name"].endswith("IntentGuard")]
    no_chars = [c for c in pipeline if c.get("analyzer") != "char_wb"]
    no_e5 = [c for c in pipeline if not c["name"].endswith("E5Featurizer")]
    return {
        "shipped pipeline": config,
        "without IntentGuard": {**config, "pipeline": no_guard},
        "without char n-grams": {**config, "pipeline": no_chars},
        "without e5 features": {**config, "pipeline": no_e5},
    }


def _rasa(*args: str, cwd: Path = PROJECT_ROOT) -> None:
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "PYTHONPATH": str(PROJECT_ROOT)}
    subprocess.run([str(RASA), *args], cwd=cwd, env=env, check=True, capture_output=True)


def evaluate(config: dict, split: Path, work: Path) -> tuple[dict, float]:
    """Train on the split's training part, test on its test part; the intent report."""
    work.mkdir(parents=True)
    config_path = work / "config.yml"
    config_path.write_text(yaml.safe_dump(config, allow_unicode=True))
    started = time.perf_counter()
    _rasa("train", "nlu", "--config", str(config_path), "--nlu", str(split / "training_data.yml"),
          "--out", str(work / "models"), "--fixed-model-name", "nlu")
    train_seconds = time.perf_counter() - started
    _rasa("test", "nlu", "--model", str(work / "models" / "nlu.tar.gz"),
          "--nlu", str(split / "test_data.yml"), "--out", str(work / "results"))
    report = json.loads((work / "results" / "intent_report.json").read_text())
    return report, train_seconds


def render(results: dict[str, tuple[dict, float]], test_examples: int) -> str:
    lines = [
        MARKER_START,
        f"Held-out split: 80 % train / 20 % test of `data/nlu` (seed 42), {test_examples} test examples.",
        "",
        "| pipeline | macro-F1 | weighted F1 | " + " | ".join(f"{i} recall" for i in CRITICAL_INTENTS)
        + " | training |",
        "|---|---|---|" + "---|" * len(CRITICAL_INTENTS) + "---|",
    ]
    for name, (report, seconds) in results.items():
        recalls = " | ".join(f"{report[i]['recall']:.3f}" for i in CRITICAL_INTENTS)
        lines.append(
            f"| {name} | {report['macro avg']['f1-score']:.3f} | "
            f"{report['weighted avg']['f1-score']:.3f} | {recalls} | {seconds:.0f} s |"
        )
    shipped = results["shipped pipeline"][0]
    lines += ["", "Per intent (shipped pipeline):", "", "| intent | precision | recall | F1 | support |",
              "|---|---|---|---|---|"]
    for intent, row in sorted(shipped.items()):
        if isinstance(row, dict) and "support" in row and not intent.endswith("avg"):
            lines.append(f"| {intent} | {row['precision']:.3f} | {row['recall']:.3f} | "
                         f"{row['f1-score']:.3f} | {row['support']} |")
    lines.append(MARKER_END)
    return "\n".join(lines)



def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "docs" / "nlu.md")
    args = parser.parse_args()
    config = yaml.safe_load((PROJECT_ROOT / "config.yml").read_text())
    with tempfile.TemporaryDirectory(prefix="nlu-report-") as tmp:
        split = Path(tmp) / "split"
        _rasa("data", "split", "nlu", "--nlu", "data/nlu", "--training-fraction", "0.8",
              "--random-seed", "42", "--out", str(split))
        test_examples = sum(
            len([line for line in block["examples"].splitlines() if line.strip().startswith("- ")])
            for block in yaml.safe_load((split / "test_data.yml").read_text())["nlu"]
        )
        results = {
            name: evaluate(variant, split, Path(tmp) / f"variant-{n}")
            for n, (name, variant) in enumerate(_variants(config).items())
        }
    write_section(args.out, render(results, test_examples), MARKER_START, MARKER_END, "# NLU\n\n")
    print(render(results, test_examples))


if __name__ == "__main__":
    main()
