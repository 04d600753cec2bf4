"""Editing, uploading and reviewing through the console pages, as staff would."""

from __future__ import annotations

import io
from pathlib import Path

from auth.helpers import csrf_of, logged_in
from sqlalchemy import select

from core.db import session_scope
from knowledge_base.models import Item, Status

FAQ_FORM = {
    "question": "住房公积金的缴存比例是多少？",
    "alt_questions": "公积金交多少\n公积金比例",
    "body": "单位和职工的缴存比例均为5%至12%。",
    "department": "公积金",
    "tags": "公积金，缴存",
    "url": "https://www.gov.cn/zhengce/gjj.html",
    "effective_on": "2025-01-01",
}


def post(client, path: str, /, **data):
    return client.post(path, data={**data, "csrf_token": csrf_of(client)})


def items_of(app) -> list[Item]:
    with session_scope(app.extensions["wenzheng.sessions"]) as db:
        return list(db.scalars(select(Item).order_by(Item.id)))


def test_new_faq_is_a_draft_with_its_chunks_until_reviewed(app):
    editor = logged_in(app, "ed", "editor")
    editor.get("/console/faq/new")
    response = post(editor, "/console/faq/new", **FAQ_FORM)
    assert response.status_code == 302
    [item] = items_of(app)
    assert item.status == Status.DRAFT and item.author == "ed"
    assert item.alt_questions == ["公积金交多少", "公积金比例"]
    assert item.tags == ["公积金", "缴存"] and str(item.effective_on) == "2025-01-01"
    page = editor.get(response.headers["Location"]).text
    assert "草稿" in page and "公积金比例" in page and "检索片段（" in page


def test_bad_form_input_is_explained_and_keeps_what_was_typed(app):
    editor = logged_in(app, "ed", "editor")
    editor.get("/console/faq/new")
    response = post(editor, "/console/faq/new", **{**FAQ_FORM, "question": " "})
    assert response.status_code == 400 and "请填写标准问题" in response.text
    assert FAQ_FORM["body"] in response.text
    response = post(editor, "/console/faq/new", **{**FAQ_FORM, "expires_on": "2024-01-01"})
    assert response.status_code == 400 and "失效日期必须晚于生效日期" in response.text
    response = post(editor, "/console/faq/new", **{**FAQ_FORM, "effective_on": "明年"})
    assert response.status_code == 400 and "不是有效日期" in response.text
    assert items_of(app) == []


def test_review_in_the_console_publishes_only_with_a_second_person(app):
    editor = logged_in(app, "ed", "editor")
    reviewer = logged_in(app, "rev", "reviewer")
    editor.get("/console/faq/new")
    post(editor, "/console/faq/new", **FAQ_FORM)
    [item] = items_of(app)

    reviewer.get("/console/review")
    early = post(reviewer, f"/console/items/{item.id}/approve", confirmed="1")
    assert "请先提交审核" in reviewer.get(early.headers["Location"]).text
    assert post(reviewer, f"/console/items/{item.id}/submit").status_code == 403

    post(editor, f"/console/items/{item.id}/submit")
    assert "住房公积金的缴存比例" in reviewer.get("/console/review").text
    post(reviewer, f"/console/items/{item.id}/reject", comment="")
    assert items_of(app)[0].status == Status.REVIEW  # a rejection needs a reason
    post(reviewer, f"/console/items/{item.id}/approve", comment="已核对", confirmed="1")
    [item] = items_of(app)
    assert item.status == Status.PUBLISHED and item.reviewer == "rev"
    assert app.extensions["wenzheng.retrieval"].rebuild(wait=True) >= 1
    page = reviewer.get(f"/console/items/{item.id}").text
    assert "已进入线上索引" in page


def test_admin_who_wrote_a_change_cannot_approve_it(app):
    admin = logged_in(app, "boss", "admin")
    admin.get("/console/faq/new")
    post(admin, "/console/faq/new", **FAQ_FORM)
    [item] = items_of(app)
    post(admin, f"/console/items/{item.id}/submit")
    page = admin.get(f"/console/items/{item.id}").text
    assert "需由其他审核员审核" in page
    response = post(admin, f"/console/items/{item.id}/approve", confirmed="1")
    assert "不能审核自己" in admin.get(response.headers["Location"]).text
    assert items_of(app)[0].status == Status.REVIEW


def test_uploaded_document_shows_its_chunks_as_retrieval_sees_them(app):
    editor = logged_in(app, "ed", "editor")
    editor.get("/console/documents/upload")
    text = ("# 住房公积金管理条例\n\n第一条 为了加强对住房公积金的管理，制定本条例。\n\n"
            "第二条 本条例适用于中华人民共和国境内住房公积金的缴存、提取、使用。\n")
    response = editor.post("/console/documents/upload", data={
        "csrf_token": csrf_of(editor), "version_label": "2019-03-24",
        "file": (io.BytesIO(text.encode()), "住房公积金管理条例.md"),
    }, content_type="multipart/form-data")
    assert response.status_code == 302, response.text
    page = editor.get(response.headers["Location"]).text
    assert "第一条" in page and "第二条" in page and "2019-03-24" in page
    with session_scope(app.extensions["wenzheng.sessions"]) as db:
        [item] = db.scalars(select(Item)).all()
        assert item.status == Status.DRAFT and len(item.chunks) >= 2
        for chunk in item.chunks:
            if chunk.start is not None:
                assert item.body[chunk.start:chunk.end] == chunk.text


def test_bad_uploads_are_refused_and_leave_nothing_behind(app):
    editor = logged_in(app, "ed", "editor")
    editor.get("/console/documents/upload")
    for name, content, message in [("病毒.exe", b"MZ", "请上传以下格式"),
                                   ("空白.md", b"   \n", "没有可导入的正文"),
                                   ("坏的.docx", b"not a zip", "")]:
        response = editor.post("/console/documents/upload", data={
            "csrf_token": csrf_of(editor), "file": (io.BytesIO(content), name)},
            content_type="multipart/form-data")
        assert response.status_code == 400, name
        assert message in response.text
    assert items_of(app) == []
    kept = Path(app.config["UPLOAD_DIR"]) / "documents"
    assert not kept.exists() or not any(kept.iterdir())


def submitted_faq(app):
    """A FAQ written and submitted by 'ed'; returns the editor's and reviewer's clients and it."""
    editor = logged_in(app, "ed", "editor")
    reviewer = logged_in(app, "rev", "reviewer")
    editor.get("/console/faq/new")
    post(editor, "/console/faq/new", **FAQ_FORM)
    [item] = items_of(app)
    post(editor, f"/console/items/{item.id}/submit")
    reviewer.get("/console/review")
    return editor, reviewer, item


def test_retired_item_cannot_be_edited_but_can_be_rolled_back(app):
    editor, reviewer, item = submitted_faq(app)
    post(reviewer, f"/console/items/{item.id}/approve", confirmed="1")
    post(editor, f"/console/items/{item.id}/edit", **{**FAQ_FORM, "body": "第二版答案。"})
    second = items_of(app)[1]
    post(editor, f"/console/items/{second.id}/submit")
    post(reviewer, f"/console/items/{second.id}/approve", confirmed="1")
    post(reviewer, f"/console/items/{second.id}/retire", comment="政策调整")

    response = post(editor, f"/console/items/{second.id}/edit", **FAQ_FORM)
    assert response.status_code == 400 and "已停用" in response.text
    response = post(editor, f"/console/items/{item.id}/rollback")
    restored = items_of(app)[2]
    assert restored.status == Status.DRAFT and restored.body == FAQ_FORM["body"]
    assert response.headers["Location"].endswith(f"/console/items/{restored.id}")


def test_test_panel_previews_drafts_before_they_are_published(app):
    editor = logged_in(app, "ed", "editor")
    editor.get("/console/faq/new")
    post(editor, "/console/faq/new", **FAQ_FORM)
    question = {"q": FAQ_FORM["question"]}
    with_drafts = editor.get("/console/test", query_string={**question, "over": "drafts"}).text
    assert FAQ_FORM["body"] in with_drafts and "BM25" in with_drafts
    published_only = editor.get("/console/test", query_string=question).text
    assert FAQ_FORM["body"] not in published_only
    assert "没有检索到任何内容" in published_only
