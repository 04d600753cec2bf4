"""The audit log (filters, readable diffs, CSV and JSON Lines export) and bulk import with
a preview that reports bad rows before anything is written."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from auth.helpers import csrf_of, logged_in
from openpyxl import Workbook
from sqlalchemy import select

from core.db import session_scope
from knowledge_base import workflow
from knowledge_base.importer import import_path
from knowledge_base.models import Item, Kind, Status
from knowledge_base.records import BadImportFile, ItemData

pytestmark = pytest.mark.fake_embedder  # no ranking asserted: no 471 MB model

HEADER = "id,question,alt_questions,answer,department,tags,source_title,url,effective,expires\n"


def seed_published(app) -> None:
    with session_scope(app.extensions["wenzheng.sessions"]) as db:
        item = workflow.save_draft(db, ItemData(
            external_id="faq-1", kind=Kind.FAQ, title="社保卡丢了怎么办", question="社保卡丢了怎么办",
            alt_questions=[], body="先挂失，再到银行网点补办。", department="shebao", tags=["社保卡"]), "ed")
        workflow.submit(db, item, "ed")
        workflow.approve(db, item, "rev", "核对无误")


def drafts(app) -> dict[str, Item]:
    with session_scope(app.extensions["wenzheng.sessions"]) as db:
        return {i.external_id: i for i in db.scalars(select(Item).where(Item.status == Status.DRAFT))}


def upload(client, content: bytes, name: str, kind: str = "faq"):
    return client.post("/console/import", data={
        "csrf_token": csrf_of(client), "kind": kind, "file": (io.BytesIO(content), name)},
        content_type="multipart/form-data")


def test_audit_log_filters_by_actor_and_shows_what_changed(app):
    seed_published(app)
    with session_scope(app.extensions["wenzheng.sessions"]) as db:
        data = workflow.content_of(db.scalars(select(Item)).one())
        data["body"] = "先挂失，再到任一银行网点补办，当场领卡。"
        workflow.save_draft(db, data, "ed2")
    reviewer = logged_in(app, "rev9", "reviewer")
    page = reviewer.get("/console/audit", query_string={"actor": "ed2"}).text
    assert "先挂失，再到银行网点补办。" in page and "当场领卡" in page
    assert "核对无误" not in page  # the reviewer's entries are filtered out
    assert "核对无误" in reviewer.get("/console/audit", query_string={"actor": "rev"}).text


def test_audit_exports_as_json_lines_and_excel_friendly_csv(app):
    seed_published(app)
    reviewer = logged_in(app, "rev9", "reviewer")
    lines = reviewer.get("/console/audit/export.jsonl").text.splitlines()
    records = [json.loads(line) for line in lines]
    assert [(r["actor"], r["action"]) for r in records][:3] == [
        ("ed", "create"), ("ed", "submit"), ("rev", "approve")]
    assert records[0]["detail"]["changes"]["title"]["after"] == "社保卡丢了怎么办"
    csv_text = reviewer.get("/console/audit/export.csv", query_string={"action": "approve"}).text
    assert csv_text.startswith("\ufeffat,actor,action")
    assert csv_text.count("\n") == 2 and "核对无误" in csv_text
    assert reviewer.get("/console/audit/export.xml").status_code == 404


def test_csv_import_preview_reports_each_bad_row_and_writes_nothing(app):
    seed_published(app)
    editor = logged_in(app, "ed", "editor")
    editor.get("/console/transfer")
    rows = (
        HEADER
        + "faq-1,社保卡丢了怎么办,,先挂失，再到银行网点补办。,社保,社保卡,,,,\n"  # unchanged
        + "faq-1b,社保卡丢了怎么办,,,社保,,,,,\n"  # no answer
        + "faq-2,居住证怎么办理,外地人怎么办居住证,到派出所申领。,户籍,,,,2025-13-01,\n"  # bad date
        + "faq-3,居住证多久能办好,,一般15个工作日。,户籍,,,,,\n"  # new
        + "faq-3,居住证多久能办好,,重复的一行。,户籍,,,,,\n"  # duplicate id
    )
    response = upload(editor, rows.encode("utf-8-sig"), "问答.csv")
    assert response.status_code == 200
    page = response.text
    assert "新建 <strong>1</strong>" in page and "不变 <strong>1</strong>" in page
    assert "错误 <strong>3</strong>" in page
    assert "答案（answer）为空" in page and "不是有效日期" in page and "与第 5 行重复" in page
    assert drafts(app) == {}
    kept = list((Path(app.config["UPLOAD_DIR"]) / "imports").iterdir())
    assert len(kept) == 1  # the previewed file waits for the confirmation


def test_confirmed_import_writes_the_good_rows_as_drafts(app):
    seed_published(app)
    editor = logged_in(app, "ed", "editor")
    editor.get("/console/transfer")
    lines = [
        {"id": "faq-1", "question": "社保卡丢了怎么办", "answer": "先挂失，再补办，可在线办理。"},
        "{not json",
        {"id": "faq-4", "question": "怎么查询公积金余额", "answer": "登录公积金网上服务大厅查询。",
         "alt_questions": ["公积金余额在哪里查"]},
    ]
    body = "\n".join(line if isinstance(line, str) else json.dumps(line, ensure_ascii=False)
                     for line in lines)
    page = upload(editor, body.encode(), "faq.jsonl").text
    assert "更新 <strong>1</strong>" in page and "新建 <strong>1</strong>" in page
    assert "不是合法的 JSON" in page
    token = page.split('/console/import/')[1].split('"')[0]

    other = logged_in(app, "ed2", "editor")
    other.get("/console/transfer")
    response = other.post(f"/console/import/{token}", data={"csrf_token": csrf_of(other)})
    assert response.status_code == 404  # only the uploader confirms their upload

    response = editor.post(f"/console/import/{token}", data={"csrf_token": csrf_of(editor)})
    assert response.status_code == 302
    found = drafts(app)
    assert set(found) == {"faq-1", "faq-4"}
    assert found["faq-4"].alt_questions == ["公积金余额在哪里查"]
    assert found["faq-1"].version == 2  # the published version stays live meanwhile
    assert not list((Path(app.config["UPLOAD_DIR"]) / "imports").iterdir())


def test_xlsx_round_trip_and_unreadable_files(app):
    seed_published(app)
    editor = logged_in(app, "ed", "editor")
    editor.get("/console/transfer")
    exported = editor.get("/console/export.xlsx")
    assert exported.status_code == 200
    page = upload(editor, exported.data, "导出.xlsx").text
    assert "不变 <strong>1</strong>" in page and "错误 <strong>0</strong>" in page

    response = upload(editor, b"this is not excel", "broken.xlsx")
    assert response.status_code == 400 and "不是有效的 Excel" in response.text
    response = upload(editor, b"{}", "guides.csv", kind="guide")
    assert response.status_code == 400 and ".jsonl" in response.text

    workbook = Workbook()
    workbook.active.append(["question", "answer"])
    workbook.active.append(["新生儿怎么上户口", "出生一个月内到派出所办理。"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    page = upload(editor, buffer.getvalue(), "新问答.xlsx").text
    assert "新建 <strong>1</strong>" in page


def test_import_checks_departments_splits_tags_and_names_every_bad_row(app, tmp_path):
    editor = logged_in(app, "ed", "editor")
    editor.get("/console/transfer")
    rows = (
        HEADER
        + "faq-7,灵活就业人员怎么交医保,,到医保经办机构登记后按年缴费。,医保,灵活就业;医保缴费；参保,,,,\n"
        + "faq-8,异地就医怎么备案,,在国家医保服务平台备案。,医疗局,,,,,\n"  # unknown department
        + "faq-9,生育津贴怎么领,,,医保,,,,,\n"  # no answer
    )
    page = upload(editor, rows.encode(), "问答.csv").text
    assert "新建 <strong>1</strong>" in page and "错误 <strong>2</strong>" in page
    assert "未知部门「医疗局」，可选：社保、医保" in page
    for question in ("异地就医怎么备案", "生育津贴怎么领"):  # every error row names its question
        assert f"<td>{question}</td>" in page
    token = page.split('/console/import/')[1].split('"')[0]
    editor.post(f"/console/import/{token}", data={"csrf_token": csrf_of(editor)})
    assert drafts(app)["faq-7"].tags == ["灵活就业", "医保缴费", "参保"]

    # the command-line import follows the same row rule: nothing is stored
    path = tmp_path / "faq.csv"
    path.write_text(HEADER + "faq-8,异地就医怎么备案,,在国家医保服务平台备案。,医疗局,,,,,\n")
    with (session_scope(app.extensions["wenzheng.sessions"]) as db,
          pytest.raises(BadImportFile, match="第 2 行：未知部门「医疗局」")):
        import_path(db, path, "ed")
