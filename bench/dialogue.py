"""End-to-end turn latency through Rasa and the action server, into docs/dialogue.md.

`python -m bench.dialogue --out docs/dialogue.md` (make bench-dialogue) starts the three
processes on free ports over the installation in $WENZHENG_HOME (the demo KB of
`make setup`) with the harness the integration tests use, then plays scripted citizen
conversations through Rasa's REST channel: one at a time, then eight at once.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

from bench.report import write_section
from bench.stack import LiveStack, SupervisedStack, ensure_rasa_model, load_kb, stack_env

PROJECT_ROOT = Path(__file__).resolve().parent.parent
MARKER_START, MARKER_END = "<!-- bench-dialogue:start -->", "<!-- bench-dialogue:end -->"
# One conversation: greeting, questions with follow-ups (answer engine), small talk.
SCRIPT = [
    "你好",
    "公积金租房提取怎么办理",
    "那需要什么材料？",
    "在广州办居住证要带什么材料",
    "网上能办吗",
    "社保卡丢了怎么补办",
    "谢谢",
    "再见",
]
QUESTIONS = set(SCRIPT[1:6])


def play(stack: LiveStack, samples: list[tuple[str, float]], lock: threading.Lock) -> None:
    sender = f"bench-{uuid.uuid4().hex[:12]}"
    for text in SCRIPT:
        started = time.perf_counter()
        response = requests.post(
            f"{stack.rasa_url}/webhooks/rest/webhook",
            json={"sender": sender, "message": text},
            timeout=30,
        )
        elapsed = time.perf_counter() - started
        response.raise_for_status()
        assert response.json(), f"no reply to {text!r}"
        with lock:
            samples.append((text, elapsed))


def measure(stack: LiveStack, concurrency: int, conversations: int) -> dict[str, float]:
    samples: list[tuple[str, float]] = []
    lock = threading.Lock()
    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        for future in [pool.submit(play, stack, samples, lock) for _ in range(conversations)]:
            future.result()
    wall = time.perf_counter() - started
    every = sorted(s for _, s in samples)
    answers = sorted(s for text, s in samples if text in QUESTIONS)
    return {
        "turns": len(every),
        "median_ms": statistics.median(every) * 1000,
        "p95_ms": _p95(every) * 1000,
        "answer_median_ms": statistics.median(answers) * 1000,
        "answer_p95_ms": _p95(answers) * 1000,
        "turns_per_s": len(every) / wall,
    }


def _p95(sorted_values: list[float]) -> float:
    return sorted_values[min(len(sorted_values) - 1, int(0.95 * len(sorted_values)))]


def render(rows: dict[str, dict[str, float]], kb: str) -> str:
    lines = [
        MARKER_START,
        f"Measured {time.strftime('%Y-%m-%d')} on this 2-core machine over {kb} "
        f"(`make bench-dialogue`). A conversation is {len(SCRIPT)} turns: {'、'.join(SCRIPT)}; "
        "\"answer turns\" are the ones that go to the answer engine through the action server.",
        "",
        "| load | turns | median | p95 | answer turns median | answer turns p95 | turns/s |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, r in rows.items():
        lines.append(
            f"| {name} | {r['turns']:.0f} | {r['median_ms']:.0f} ms | {r['p95_ms']:.0f} ms | "
            f"{r['answer_median_ms']:.0f} ms | {r['answer_p95_ms']:.0f} ms | {r['turns_per_s']:.1f} |"
        )
    lines.append(MARKER_END)
    return "\n".join(lines)



def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "docs" / "dialogue.md")
    parser.add_argument("--conversations", type=int, default=6)
    parser.add_argument(
        "--kb", type=Path, help="load this KB into a fresh home instead of using $WENZHENG_HOME"
    )
    args = parser.parse_args()
    ensure_rasa_model()
    if args.kb:
        env = stack_env(Path(tempfile.mkdtemp(prefix="bench-dialogue-")))
        load_kb(env, args.kb)
        kb_name = f"`{args.kb}`"
    else:
        env = stack_env(Path(os.environ.get("WENZHENG_HOME", PROJECT_ROOT / "var")))
        kb_name = "the installed KB (`make demo`)"
    supervised = SupervisedStack(env)
    try:
        stack = supervised.start()
        measure(stack, 1, 1)  # warm-up: first requests load models and fill caches
        rows = {
            "1 conversation": measure(stack, 1, args.conversations),
            "8 concurrent conversations": measure(stack, 8, 8 * args.conversations // 2),
        }
    finally:
        supervised.stop()
    section = render(rows, kb_name)
    write_section(args.out, section, MARKER_START, MARKER_END)
    print(section)


if __name__ == "__main__":
    main()
