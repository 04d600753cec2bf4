"""Issue 14 item 2: only http(s) source links are stored and rendered; security headers.

Every way content comes in (the `kb import` command, the console import, the console
forms, the store itself) refuses a ``javascript:`` link with a Chinese message naming the
field; a link planted directly in the database is still not rendered as an ``href``.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from auth.helpers import csrf_of, logged_in
from flask import Flask
from openpyxl import Workbook
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core.db import session_scope
from knowledge_base import store
from knowledge_base.models import Item, Kind
from knowledge_base.records import ItemData
from knowledge_base.urls import UnsafeUrl

BAD_URLS = ["javascript:fetch('/console/users/new')", " JavaScript:alert(1)",
            "java\tscript:alert(1)", "data:text/html,<script>alert(1)</script>",
            "vbscript:msgbox(1)", "//evil.example/x", "https://", "ftp://example.gov.cn/a"]
GOOD_URL = "https://www.gov.cn/zhengce/content/2016-12/01/content_5141425.htm"


def _faq_data(url: str | None) -> ItemData:
    return ItemData(external_id="faq-link", kind=Kind.FAQ, title="居住证怎么办",
                    question="居住证怎么办", alt_questions=[], body="到派出所办理。",
                    department="户籍", tags=[], url=url)


@pytest.mark.parametrize("url", BAD_URLS)
def test_store_refuses_a_link_that_is_not_http(db: Session, url: str):
    with pytest.raises(UnsafeUrl, match="官方链接"):
        store.store_revision(db, _faq_data(url), "editor")
    item, _ = store.store_revision(db, _faq_data(GOOD_URL), "editor")
    assert item.url == GOOD_URL


def _files(tmp_path: Path, url: str) -> dict[str, Path]:
    faq = {"id": "faq-x", "question": "居住证怎么办？", "answer": "到派出所办理。", "url": url}
    jsonl = tmp_path / "faq.jsonl"
    jsonl.write_text(json.dumps(faq, ensure_ascii=False) + "\n", encoding="utf-8")
    csv = tmp_path / "faq.csv"
    csv.write_text(f"id,question,answer,url\nfaq-x,居住证怎么办？,到派出所办理。,\"{url}\"\n",
                   encoding="utf-8")
    xlsx = tmp_path / "faq.xlsx"
    workbook = Workbook()
    workbook.active.append(["id", "question", "answer", "url"])
    workbook.active.append(["faq-x", "居住证怎么办？", "到派出所办理。", url])
    workbook.save(xlsx)
    doc = tmp_path / "通知.md"
    doc.write_text(f"---\ntitle: 通知\nurl: {json.dumps(url)}\n---\n一、到派出所办理。\n",
                   encoding="utf-8")
    guide = tmp_path / "guide.jsonl"
    guide.write_text(json.dumps({"TASK_CODE": "11440", "TASK_NAME": "居住证办理", "URL": url},
                                ensure_ascii=False) + "\n", encoding="utf-8")
    return {"jsonl": jsonl, "csv": csv, "xlsx": xlsx, "doc": doc, "guide": guide}


@pytest.fixture
def cli_app(make_app, database_url: str) -> Flask:
    return make_app(DATABASE_URL=database_url)


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "xlsx", "doc", "guide"])
def test_kb_import_refuses_a_javascript_link_and_stores_nothing(cli_app, tmp_path, fmt):
    path = _files(tmp_path, BAD_URLS[0])[fmt]
    result = cli_app.test_cli_runner().invoke(args=["kb", "import", str(path)])
    assert result.exit_code != 0
    assert "只能是以 http:// 或 https:// 开头的网址" in result.output
    assert "官方链接（url）" in result.output or "官方链接（URL）" in result.output
    with session_scope(cli_app.extensions["wenzheng.sessions"]) as db:
        assert db.scalars(select(Item)).all() == []


def _upload(client, path: Path, kind: str):
    return client.post("/console/import", data={
        "csrf_token": csrf_of(client), "kind": kind,
        "file": (io.BytesIO(path.read_bytes()), path.name)}, content_type="multipart/form-data")


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "xlsx", "guide"])
def test_console_import_reports_the_bad_link_on_its_row(app, tmp_path, fmt):
    editor = logged_in(app, "ed", "editor")
    editor.get("/console/transfer")
    page = _upload(editor, _files(tmp_path, BAD_URLS[0])[fmt],
                   "guide" if fmt == "guide" else "faq").text
    assert "只能是以 http:// 或 https:// 开头的网址" in page


def test_console_forms_refuse_a_javascript_link_and_keep_the_input(app):
    editor = logged_in(app, "ed", "editor")
    editor.get("/console/faq/new")
    response = editor.post("/console/faq/new", data={
        "csrf_token": csrf_of(editor), "question": "居住证怎么办", "body": "到派出所办理。",
        "url": BAD_URLS[0]})
    assert response.status_code == 400
    assert "官方链接只能是以 http:// 或 https:// 开头的网址" in response.text
    assert "到派出所办理。" in response.text
    with session_scope(app.extensions["wenzheng.sessions"]) as db:
        assert db.scalars(select(Item)).all() == []


def plant(app: Flask, url: str) -> int:
    """A FAQ draft whose link is written straight into the row, bypassing validation."""
    with session_scope(app.extensions["wenzheng.sessions"]) as db:
        item, _ = store.store_revision(db, _faq_data(GOOD_URL), "editor")
        db.flush()
        db.execute(update(Item).where(Item.id == item.id).values(url=url))
        return item.id


def test_a_planted_link_is_not_rendered_as_href(app):
    item_id = plant(app, BAD_URLS[0])
    reviewer = logged_in(app, "rev", "reviewer")
    page = reviewer.get(f"/console/items/{item_id}").text
    assert 'href="javascript:' not in page.replace("&#39;", "'")
    assert "不是 http/https 网址" in page


@pytest.mark.parametrize("path", ["/", "/auth/login", "/console/", "/api/v1/chat/none/messages"])
def test_every_response_carries_the_security_headers(client, path):
    headers = client.get(path).headers
    csp = headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
