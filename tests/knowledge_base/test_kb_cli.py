"""The `kb` commands as staff and `make demo` run them."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from knowledge_base.models import Item, Status

pytestmark = pytest.mark.fake_embedder  # the commands rank nothing


def test_demo_import_is_idempotent_and_exports_and_userdict_work(kb_app, demo_dir, tmp_path):
    runner = kb_app.test_cli_runner()
    first = runner.invoke(args=["kb", "import", str(demo_dir), "--publish"])
    assert first.exit_code == 0, first.output
    assert "新建 2491 条" in first.output and "发布 2491 条" in first.output
    second = runner.invoke(args=["kb", "import", str(demo_dir), "--publish"])
    assert "新建 0 条" in second.output and "未变化 2491 条" in second.output

    stats = runner.invoke(args=["kb", "stats"]).output
    assert "常见问题         0     0   166     0     166" in stats
    assert "政策文件         0     0    63     0      58" in stats

    out = tmp_path / "faq.jsonl"
    assert "已导出 166 条" in runner.invoke(args=["kb", "export", str(out)]).output
    first_faq = json.loads(out.read_text(encoding="utf-8").splitlines()[0])
    assert first_faq["answer"].startswith("根据《") and first_faq["department"]

    terms = tmp_path / "terms.txt"
    assert runner.invoke(args=["kb", "userdict", "--out", str(terms)]).exit_code == 0
    lines = terms.read_text(encoding="utf-8").splitlines()
    assert "住房公积金 20000 n" in lines and "社会保险法 2000 n" in lines
    assert all(len(line.split()) == 3 for line in lines)


def test_bad_file_gives_a_clear_error_and_publish_needs_known_ids(kb_app, tmp_path):
    runner = kb_app.test_cli_runner()
    bad = tmp_path / "faq.jsonl"
    bad.write_text('{"id": "a", "question": "问？", "answer": "答。"}\n{oops\n', encoding="utf-8")
    result = runner.invoke(args=["kb", "import", str(bad)])
    assert result.exit_code != 0 and "faq.jsonl 第 2 行" in result.output
    assert "未导入任何内容" in result.output

    bad.write_text('{"id": "a", "question": "问？", "answer": "答。"}\n', encoding="utf-8")
    assert "新建 1 条" in runner.invoke(args=["kb", "import", str(bad)]).output
    missing = runner.invoke(args=["kb", "publish", "nope"])
    assert missing.exit_code != 0 and "nope" in missing.output
    assert "已发布 1 条" in runner.invoke(args=["kb", "publish", "a"]).output
    with kb_app.extensions["wenzheng.sessions"]() as session:
        assert session.scalar(select(func.count()).select_from(Item)
                              .where(Item.status == Status.PUBLISHED)) == 1
