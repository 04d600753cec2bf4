"""Shape of the development question set, and every gold resolvable in the demo KB.

Reads only files in the repository (`tests/eval/devset.jsonl`, `knowledge_base/demo/`),
so it runs on a fresh clone without a database.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEVSET = Path(__file__).with_name("devset.jsonl")
DEMO = ROOT / "knowledge_base" / "demo"
STYLES = {"colloquial", "keywords", "typo", "followup", "traditional", "formal"}
GUIDE_LOCATORS = {
    "概述": ("TASK_NAME",),
    "申请材料": ("material_intro",),
    "办理地点": ("handle_location",),
    "办理时限": ("handle_time_limit", "handle_time"),
    "受理条件": ("accept_standard",),
    "咨询电话": ("consult_phone",),
    "投诉电话": ("complain_phone",),
}
EMPTY = {"", "无", "[]", "None", "null"}
ARTICLE = re.compile(r"^(第[一二三四五六七八九十百零]+条(?:之[一二三四五六七八九十]+)?)", re.M)


def _rows() -> list[dict]:
    return [json.loads(line) for line in DEVSET.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def rows() -> list[dict]:
    return _rows()


@pytest.fixture(scope="module")
def law_articles() -> dict[str, set[str]]:
    """doc-<stem without date> -> article numbers of every stored version."""
    articles: dict[str, set[str]] = {}
    for path in (DEMO / "laws").rglob("*.md"):
        if path.name.startswith("README"):
            continue
        stem = re.sub(r"\(\d{4}-\d{2}-\d{2}\)$", "", path.stem)
        body = path.read_text(encoding="utf-8").split("<!-- INFO END -->", 1)[-1]
        articles.setdefault(f"doc-{stem}", set()).update(ARTICLE.findall(body))
    return articles


@pytest.fixture(scope="module")
def guides() -> dict[str, dict]:
    path = DEMO / "service_guides" / "guangdong_service_guides.jsonl"
    records = (json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip())
    return {f"guide-{r['TASK_CODE']}": r for r in records}


def test_record_shape(rows):
    ids = [row["id"] for row in rows]
    assert len(ids) == len(set(ids))
    assert len({row["question"] for row in rows}) == len(rows), "duplicate question text"
    for row in rows:
        assert set(row) <= {"id", "question", "history", "answerable", "gold", "style", "note"}, row["id"]
        assert re.fullmatch(r"q\d{3,}", row["id"])
        assert row["question"].strip() and isinstance(row["history"], list)
        assert row["style"] in STYLES, row["id"]
        assert row["answerable"] == bool(row["gold"]), row["id"]
        if row["style"] == "followup":
            assert 1 <= len(row["history"]) <= 2, row["id"]
        for gold in row["gold"]:
            assert set(gold) == {"source_id", "locator"}, row["id"]
            assert gold["source_id"].startswith(("doc-", "guide-", "faq-")) or gold["locator"] == ""


def test_counts(rows):
    answerable = [row for row in rows if row["answerable"]]
    assert len(answerable) >= 230
    assert sum(row["style"] == "followup" for row in answerable) >= 25
    assert sum(not row["answerable"] for row in rows) >= 70
    guides = {g["source_id"] for row in answerable for g in row["gold"] if g["source_id"].startswith("guide-")}
    assert len(guides) >= 50
    first = Counter(row["gold"][0]["source_id"] for row in answerable)
    assert max(first.values()) <= 10, first.most_common(3)


def test_law_golds_exist(rows, law_articles):
    for row in rows:
        for gold in row["gold"]:
            if gold["source_id"].startswith("doc-"):
                assert gold["source_id"] in law_articles, (row["id"], gold)
                assert gold["locator"] in law_articles[gold["source_id"]], (row["id"], gold)


def test_guide_golds_have_content(rows, guides):
    for row in rows:
        for gold in row["gold"]:
            if gold["source_id"].startswith("guide-"):
                record = guides.get(gold["source_id"])
                assert record is not None, (row["id"], gold)
                assert gold["locator"] in GUIDE_LOCATORS, (row["id"], gold)
                values = [str(record.get(key) or "").strip() for key in GUIDE_LOCATORS[gold["locator"]]]
                assert any(value not in EMPTY for value in values), (row["id"], gold)


def test_faq_golds_exist(rows):
    faq_golds = [g for row in rows for g in row["gold"] if not g["source_id"].startswith(("doc-", "guide-"))]
    if not faq_golds:
        pytest.skip("no FAQ golds in this version of the set")
    faq = DEMO / "faq.jsonl"
    if not faq.exists():
        pytest.skip("knowledge_base/demo/faq.jsonl not present")
    ids = {json.loads(line)["id"] for line in faq.read_text(encoding="utf-8").splitlines() if line.strip()}
    for gold in faq_golds:
        assert gold["source_id"] in ids, gold
