"""Build the evaluation FAQ knowledge base from the demo's Guangdong service guides.

``python -m bench.eval.build_faq_kb`` rewrites ``tests/eval/kbs/faq/faq.jsonl``:
for every guide that lists its application materials, one entry "X需要什么材料？"
(the material list) and one "X在哪里办理？" (the office, or that it is online only,
with the enquiry phone). The same service offered by several departments or areas,
and the two entries of one service, give the near-duplicates real FAQ lists have.
Deterministic: same input, same file.
"""

from __future__ import annotations

import json
from pathlib import Path

from core.organisation import BUILT_IN_NAMES, department_for
from knowledge_base.formats.guides import _listing, _value

ROOT = Path(__file__).resolve().parents[2]
GUIDES = ROOT / "knowledge_base" / "demo" / "service_guides" / "guangdong_service_guides.jsonl"
OUT = ROOT / "tests" / "eval" / "kbs" / "faq" / "faq.jsonl"
ONLINE_ONLY = "无线下办理窗口"


def entries(record: dict[str, object], row: int) -> list[dict[str, object]]:
    name, dept = _value(record.get("TASK_NAME")), _value(record.get("DEPT_NAME")) or ""
    materials = _listing(record.get("material_intro"), GUIDES, row)
    if not name or not materials:
        return []
    code = str(record["TASK_CODE"])
    common = {"department": BUILT_IN_NAMES[department_for(f"{dept}{name}")], "url": _value(record.get("URL")) or "",
              "source_title": f"广东政务服务网办事指南：{name}（{dept}）", "tags": ["办事指南"]}
    listing = "\n".join(f"{n}. {m}" for n, m in enumerate(materials, start=1))
    out: list[dict[str, object]] = [{"id": f"faq-{code}-材料", "question": f"{name}需要什么材料？",
            "answer": f"办理“{name}”（{dept}）需要提交以下材料：\n{listing}", **common}]
    location = _value(record.get("handle_location"))
    phone = _value(record.get("consult_phone"))
    if location:
        where = ("该事项没有线下办理窗口，请在广东政务服务网网上办理。" if location == ONLINE_ONLY
                 else f"办理地点：{location.removeprefix('办理地点：')}。")
        ask = f"咨询电话：{phone}。" if phone else ""
        out.append({"id": f"faq-{code}-地点", "question": f"{name}在哪里办理？",
                    "answer": f"“{name}”由{dept}办理。{where}{ask}", **common})
    return out


def main() -> None:
    lines = GUIDES.read_text(encoding="utf-8").splitlines()
    records: list[dict[str, object]] = []
    seen: set[object] = set()
    for row, line in enumerate(lines, start=1):
        for entry in entries(json.loads(line), row):
            key = (entry["id"], entry["question"], entry["source_title"])
            if entry["id"] not in seen and key not in seen:
                seen.update((entry["id"], key))
                records.append(entry)
    OUT.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    print(f"{len(records)} FAQ entries -> {OUT}")


if __name__ == "__main__":
    main()
