"""Every import format, bad files that import nothing, and the FAQ export round trip."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from docx import Document
from openpyxl import Workbook
from sqlalchemy import func, select

from knowledge_base import store
from knowledge_base.formats.documents import read_document
from knowledge_base.formats.faq import write_faqs
from knowledge_base.importer import import_path, read_file
from knowledge_base.models import Item, Kind, Status
from knowledge_base.records import BadImportFile

FAQ_ROWS = [
    {"id": "faq-1", "question": "办居住证要带什么？", "alt_questions": ["居住证材料", "居住证要什么"],
     "answer": "根据《居住证暂行条例》第九条，提交本人居民身份证、本人相片以及居住地住址证明。\n\n第二段。",
     "department": "户籍", "tags": ["居住证", "户籍"], "source_title": "《居住证暂行条例》第九条",
     "url": "https://flk.npc.gov.cn/", "effective": "2016-01-01", "expires": ""},
    {"id": "faq-2", "question": "失业金能领多久？", "alt_questions": [],
     "answer": "最长二十四个月。", "department": "社保", "tags": [], "source_title": "",
     "url": "", "effective": "", "expires": "2030-12-31"},
]


def _jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def _xlsx(path: Path, header: list[str], rows: list[list]) -> Path:
    workbook = Workbook()
    workbook.active.append(header)
    for row in rows:
        workbook.active.append(row)
    workbook.save(path)
    return path


def _count(session) -> int:
    return session.scalar(select(func.count()).select_from(Item))


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "xlsx"])
def test_faq_export_then_import_round_trip_loses_nothing(session, tmp_path, fmt):
    import_path(session, _jsonl(tmp_path / "in.jsonl", FAQ_ROWS), "staff", publish=True)
    session.commit()
    items = store.latest_revisions(session, Kind.FAQ)
    out = tmp_path / f"out.{fmt}"
    assert write_faqs(items, out, fmt) == 2

    again = read_file(out)
    assert [store.content_hash(d) for d in again] == [i.content_hash for i in items]
    report = import_path(session, out, "staff")
    assert report.counts[store.SaveOutcome.UNCHANGED] == 2 and _count(session) == 2


def test_csv_in_gb18030_with_one_cell_of_alternates(session, tmp_path):
    path = tmp_path / "faq.csv"
    path.write_bytes("id,question,alt_questions,answer\nfaq-9,医保怎么报销？,医保报销|看病报销,持医保凭证就医结算。\n"
                     .encode("gb18030"))
    [data] = read_file(path)
    assert data["alt_questions"] == ["医保报销", "看病报销"] and data["department"] == "yibao"


def test_documents_in_every_format_with_metadata(tmp_path):
    md = tmp_path / "居住证办法(2024-01-01).md"
    md.write_text("---\ntitle: 某市居住证办法\nissuer: 某市人民政府\nexpires: 2030-01-01\n---\n"
                  "# 某市居住证办法\n\n第一条 为了规范居住证管理，制定本办法。\n", encoding="utf-8")
    txt = tmp_path / "通知.txt"
    txt.write_bytes("关于居住证的通知\r\n\r\n一、办理地点\r\n到派出所办理。\r\n".encode("gb18030"))
    (tmp_path / "通知.txt.meta.yml").write_text("url: https://example.gov.cn/n\nregion: 广州市\n",
                                              encoding="utf-8")
    html = tmp_path / "page.html"
    html.write_text("<html><head><title>网页标题</title><script>x()</script></head><body>"
                    "<h1>社保卡办理须知</h1><p>第一条 持<b>身份证</b>办理。</p><p>第二条 当场发卡。</p>"
                    "</body></html>", encoding="utf-8")
    docx_path = tmp_path / "规定.docx"
    document = Document()
    document.add_heading("公积金提取规定", level=1)
    document.add_paragraph("第一条 职工退休可以提取公积金。")
    document.save(docx_path)
    pdf_path = tmp_path / "条例.pdf"
    _pdf(pdf_path, ["测试条例", "第一条 为了测试，制定本条例。", "第二条 居住证每年签注一次。"])

    by_name = {p.name: read_document(p) for p in (md, txt, html, docx_path, pdf_path)}
    doc = by_name[md.name]
    assert (doc["external_id"], doc["title"], doc["version_label"]) == (
        "doc-居住证办法", "某市居住证办法", "2024-01-01")
    assert str(doc["effective_on"]) == "2024-01-01" and str(doc["expires_on"]) == "2030-01-01"
    assert "title:" not in doc["body"]
    notice = by_name[txt.name]
    assert notice["url"] == "https://example.gov.cn/n" and notice["region"] == "广州市"
    assert "\r" not in notice["body"] and notice["title"] == "关于居住证的通知"
    page = by_name[html.name]
    assert page["title"] == "社保卡办理须知" and "x()" not in page["body"]
    assert "第一条 持身份证办理。" in page["body"]
    assert by_name[docx_path.name]["title"] == "公积金提取规定"
    assert "居住证每年签注一次" in by_name[pdf_path.name]["body"]


def test_document_json_lines(tmp_path):
    path = _jsonl(tmp_path / "docs.jsonl", [
        {"id": "doc-a", "title": "甲办法", "text": "第一条 内容。", "url": "https://x.gov.cn",
         "issuer": "某局", "doc_number": "某发〔2024〕1号", "published": "2024-01-02",
         "effective": "2024-02-01", "expires": None, "region": "广东省"}])
    [data] = read_file(path)
    assert data["kind"] == Kind.DOCUMENT and data["doc_number"] == "某发〔2024〕1号"
    assert data["version_label"] == "2024-02-01"


@pytest.mark.parametrize(("name", "content", "row", "words"), [
    ("bad.jsonl", '{"id": "a", "question": "问", "answer": "答"}\n{"id": "b", "question": ', 2, "JSON"),
    ("empty.jsonl", '{"id": "a", "question": "问？", "answer": "  "}\n', 1, "答案"),
    ("dup.jsonl", '{"id": "a", "question": "问一", "answer": "答"}\n'
                  '{"id": "b", "question": "问二", "answer": "答"}\n'
                  '{"id": "a", "question": "问三", "answer": "答"}\n', 3, "第 1 行"),
    ("cols.csv", "id,question\nx,问题\n", None, "answer"),
    ("date.csv", "id,question,answer,effective\nx,问,答,明年\n", 2, "effective"),
])
def test_bad_faq_files_name_file_and_row_and_import_nothing(session, tmp_path, name, content,
                                                             row, words):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(BadImportFile) as error:
        import_path(session, path, "staff")
    message = str(error.value)
    assert name in message and words in message
    assert error.value.row == row
    assert _count(session) == 0


def test_broken_xlsx_undecodable_text_and_missing_xlsx_columns(tmp_path):
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a workbook")
    undecodable = tmp_path / "bad.md"
    undecodable.write_bytes(b"\xff\xfe\x00\xd8 \x81\x20\xff")
    columns = _xlsx(tmp_path / "cols.xlsx", ["id", "问题"], [["a", "b"]])
    for path, words in ((broken, "Excel"), (undecodable, "编码"), (columns, "question")):
        with pytest.raises(BadImportFile, match=words) as error:
            read_file(path)
        assert path.name in str(error.value)


def test_one_bad_file_in_a_folder_imports_nothing(session, tmp_path, laws_dir):
    folder = tmp_path / "kb"
    folder.mkdir()
    (folder / "law.md").write_text((laws_dir / "行政法规/居住证暂行条例(2015-11-26).md")
                                   .read_text(encoding="utf-8"), encoding="utf-8")
    _jsonl(folder / "faq.jsonl", FAQ_ROWS)
    (folder / "zz.jsonl").write_text('{"id": "x", "question": "问", "answer": ""}\n', encoding="utf-8")
    with pytest.raises(BadImportFile, match="zz.jsonl"):
        import_path(session, folder, "staff", publish=True)
    session.rollback()
    assert _count(session) == 0


def test_same_id_in_two_files_is_rejected(tmp_path, session):
    _jsonl(tmp_path / "a.jsonl", FAQ_ROWS[:1])
    _jsonl(tmp_path / "b.jsonl", FAQ_ROWS[:1])
    with pytest.raises(BadImportFile, match="a.jsonl"):
        import_path(session, tmp_path, "staff")


def test_guides_render_fields_and_skip_placeholders(session, demo_dir, tmp_path):
    source = demo_dir / "service_guides" / "guangdong_service_guides.jsonl"
    lines = source.read_text(encoding="utf-8").splitlines()
    sample = tmp_path / "guides.jsonl"
    without_materials = [line for line in lines if line.endswith('"material_intro":"无"}')][:5]
    sample.write_text("\n".join(lines[:5] + without_materials) + "\n", encoding="utf-8")
    import_path(session, sample, "staff", publish=True)
    session.commit()
    guide = session.scalars(select(Item).where(
        Item.external_id == "guide-11440000006939756B2440101007000")).one()
    assert guide.status == Status.PUBLISHED and guide.fields["TASK_NAME"] == guide.title
    locators = [c.locator for c in guide.chunks]
    assert locators == ["概述", "申请材料", "办理地点", "办理时限", "受理条件", "咨询电话", "投诉电话"]
    materials = guide.chunks[1]
    assert materials.text == "【申请材料】\n1. 提价申报申请报告"
    assert materials.context == "临时价格干预范围事项提价申报（广东省发展和改革委员会）"
    assert "法定时限：30(工作日)" in guide.chunks[3].text
    no_materials = [g for g in session.scalars(select(Item).where(Item.kind == Kind.GUIDE))
                    if g.fields.get("material_intro") == "无"]
    assert no_materials and all("申请材料" not in [c.locator for c in g.chunks] for g in no_materials)


def _pdf(path: Path, lines: list[str]) -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    page = canvas.Canvas(str(path))
    page.setFont("STSong-Light", 12)
    for n, line in enumerate(lines):
        page.drawString(50, 800 - 20 * n, line)
    page.save()


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_control_characters_in_imported_files_are_stripped(session, tmp_path, fmt):
    """PostgreSQL refuses NUL: an import carrying one (exports and PDFs do) stores clean text."""
    row = {**FAQ_ROWS[1], "question": "失业金\x00能领\x07多久？", "answer": "最长\x00二十四个月。"}
    if fmt == "jsonl":
        path = _jsonl(tmp_path / "faq.jsonl", [row])
    else:
        path = tmp_path / "faq.csv"
        path.write_text(f"id,question,answer\nfaq-2,{row['question']},{row['answer']}\n")
    import_path(session, path, "tester")
    session.commit()
    item = session.scalar(select(Item))
    assert (item.question, item.body) == ("失业金能领多久？", "最长二十四个月。")


def test_document_title_too_long_for_postgresql_is_a_clear_error(tmp_path):
    """Found by the adversarial suite: a 600-character heading was a 500 on PostgreSQL."""
    path = tmp_path / "长标题.md"
    path.write_text("# " + "社保" * 300 + "\n\n正文。\n", encoding="utf-8")
    with pytest.raises(BadImportFile, match="标题过长"):
        read_document(path)
