"""Render the adversarial suite's JSON summary as Markdown (and into docs/security.md).

    python -m tests.security.report var/security/summary.json [--out docs/security.md]

With ``--out`` the text between the ``<!-- security-figures -->`` markers is replaced.
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path
from typing import Any

BEGIN, END = "<!-- security-figures:begin -->", "<!-- security-figures:end -->"


def render(summary: dict[str, Any]) -> str:
    rows: dict[str, dict[str, Any]] = defaultdict(lambda: {"inputs": set(), "modes": {}})
    for entry in summary["routes"]:
        row = rows[entry["route"]]
        row["inputs"].update(entry["inputs"])
        row["modes"][entry["mode"]] = entry
    modes = sorted({entry["mode"] for entry in summary["routes"]})
    total = {mode: sum(e["requests"] for e in summary["routes"] if e["mode"] == mode)
             for mode in modes}
    lines = [
        f"Hypothesis, derandomized, {summary['examples_per_property']} examples per property "
        f"and mode. Requests: " + ", ".join(f"{m} {total[m]:,}" for m in modes)
        + f"; routes: {len(rows)}; half-stored checks: "
        f"{summary['checks'].get('half-stored checks', 0):,}; "
        f"**5xx seen: {len(summary['server_errors'])}**; "
        f"half-stored states: {len(summary['half_stored'])}.",
        "",
        "| route | " + " | ".join(f"{m} requests (status classes)" for m in modes)
        + " | inputs tried |",
        "|---|" + "---|" * len(modes) + "---|",
    ]
    for route, row in sorted(rows.items()):
        cells = []
        for mode in modes:
            entry = row["modes"].get(mode)
            statuses = ", ".join(f"{k} {v}" for k, v in entry["statuses"].items()) if entry else ""
            cells.append(f"{entry['requests']} ({statuses})" if entry else "–")
        lines.append(f"| `{route}` | " + " | ".join(cells) + " | "
                     + "; ".join(sorted(row["inputs"])) + " |")
    seconds = summary.get("seconds", {})
    if seconds:
        lines += ["", "Wall time (s): " + ", ".join(f"{k} {v}" for k, v in seconds.items()) + "."]
    for title, key in (("5xx responses", "server_errors"), ("Half-stored states", "half_stored")):
        if summary[key]:
            lines += ["", f"{title}:", *(f"- `{json.dumps(e, ensure_ascii=False)}`"
                                         for e in summary[key][:20])]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("summary", type=Path)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    text = render(json.loads(args.summary.read_text()))
    if args.out is None:
        print(text)
        return
    doc = args.out.read_text()
    head, _, rest = doc.partition(BEGIN)
    _, _, tail = rest.partition(END)
    args.out.write_text(f"{head}{BEGIN}\n{text}\n{END}{tail}")
    print(f"figures written to {args.out}")


if __name__ == "__main__":
    main()
