"""The organisation: departments by code, one keyword rule, names for people and imports.

This folder has no ``__init__.py`` on purpose: as a package it would be named ``core``
and shadow the real one. Test modules are prefixed ``test_core_``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.handoff.departments import save_department, seed_demo
from bot.handoff.routing import route
from core.organisation import BUILT_IN, code_of, department_for, names, spellings
from knowledge_base.importer import import_path
from knowledge_base.models import Item
from knowledge_base.records import BadImportFile


def _jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def _faq(ident: str, question: str, department: str = "") -> dict:
    return {"id": ident, "question": question, "answer": "请到窗口办理。", "department": department}


def _departments(db) -> dict[str, str | None]:
    return {ident: department for ident, department in db.execute(select(Item.external_id, Item.department))}


@pytest.mark.parametrize(("text", "code"), [
    ("住房公积金怎么提取？", "gongjijin"),
    ("医保报销要什么材料", "yibao"),
    ("中华人民共和国个人所得税法", "shuiwu"),
    ("广州市公安局机动车注册登记", "jiaotong"),
    ("失业保险金怎么领", "shebao"),
    ("今天天气怎么样", "zonghe"),  # no keyword: 综合
])
def test_text_goes_to_the_department_of_its_keywords(text, code):
    assert department_for(text) == code


def test_most_keyword_hits_win_and_a_tie_goes_to_the_earlier_department():
    # 退休 (社保) once, 医保 and 报销 (医保) twice.
    assert department_for("退休以后医保怎么报销") == "yibao"
    # One hit each: 社保 comes first in the table.
    assert department_for("失业了公积金怎么办") == "shebao"


def test_routing_of_handoffs_and_sorting_of_imports_agree(db):
    seed_demo(db)
    for text in ("异地就医备案怎么办", "补办身份证", "离婚登记要带什么", "投诉窗口态度"):
        assert route(db, [text]) == department_for(text)


def test_names_are_the_built_in_ones_and_the_tables(db):
    assert names() == {d.code: d.name for d in BUILT_IN}
    save_department(db, "jiaoyu", "教育", ["学籍"])
    save_department(db, "shebao", "人力社保", ["社保"])  # renamed by an admin
    known = names(db)
    assert known["jiaoyu"] == "教育" and known["shebao"] == "人力社保" and known["yibao"] == "医保"


def test_a_name_or_a_code_gives_the_code_and_anything_else_names_the_choices():
    assert code_of("医保") == code_of("yibao") == "yibao"
    with pytest.raises(ValueError, match="未知部门「医疗局」") as refused:
        code_of("医疗局")
    assert "医保" in str(refused.value) and "yibao" not in str(refused.value)


def test_import_files_may_name_departments_by_name_or_code_and_store_the_code(db, tmp_path):
    save_department(db, "jiaoyu", "教育", ["学籍"])
    rows = [_faq("faq-1", "社保卡丢了怎么办", "社保"), _faq("faq-2", "医保怎么转移", "yibao"),
            _faq("faq-3", "学籍怎么转", "教育"), _faq("faq-4", "学籍证明怎么开", "jiaoyu"),
            _faq("faq-5", "公积金怎么提取")]  # no department: its keywords decide
    import_path(db, _jsonl(tmp_path / "faq.jsonl", rows), "staff")
    assert _departments(db) == {"faq-1": "shebao", "faq-2": "yibao", "faq-3": "jiaoyu",
                                "faq-4": "jiaoyu", "faq-5": "gongjijin"}


def test_an_unknown_department_in_an_import_file_imports_nothing(db, tmp_path):
    rows = [_faq("faq-1", "社保卡丢了怎么办", "社保"), _faq("faq-2", "看病报销", "医疗局")]
    with pytest.raises(BadImportFile, match="第 2 行.*未知部门「医疗局」"):
        import_path(db, _jsonl(tmp_path / "faq.jsonl", rows), "staff")
    assert _departments(db) == {}


def test_a_documents_metadata_names_its_department_by_name_or_code(db, tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    for stem, department in (("甲", "民政"), ("乙", "minzheng"), ("丙", "")):
        front = f"---\ndepartment: {department}\n---\n" if department else ""
        text = f"{front}# 住房公积金管理办法{stem}\n\n第一条 正文。\n"
        (folder / f"{stem}.md").write_text(text, encoding="utf-8")
    import_path(db, folder, "staff")
    assert sorted(_departments(db).values()) == ["gongjijin", "minzheng", "minzheng"]


def test_spellings_cover_names_and_codes():
    assert spellings({"jiaoyu": "教育"}) == {"教育": "jiaoyu", "jiaoyu": "jiaoyu"}
