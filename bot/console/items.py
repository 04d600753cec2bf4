"""Curation: browse and filter the knowledge base, see chunks, edit, upload, review."""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from bot.auth import current_user, role_required
from bot.console import forms, uploads
from bot.console.blueprint import CURATORS, EDITORS, REVIEWERS, bp
from bot.console.changes import change_of
from bot.console.publishing import index_state, request_reindex
from bot.db import get_db
from bot.localtime import to_local
from core.organisation import names, spellings
from knowledge_base import store, workflow
from knowledge_base.formats.documents import DOCUMENT_SUFFIXES, read_document
from knowledge_base.formats.faq import split_tags
from knowledge_base.models import AuditEntry, Item, Kind, Status
from knowledge_base.records import BadImportFile, ItemData
from knowledge_base.versions import effective_date_in
from knowledge_base.workflow import STATUS_LABELS, WorkflowError

KIND_LABELS = {Kind.FAQ: "常见问答", Kind.DOCUMENT: "政策文件", Kind.GUIDE: "办事指南"}
PAGE_SIZE = 50


def _item_or_404(item_id: int) -> Item:
    item = get_db().get(Item, item_id)
    if item is None:
        abort(404)
    return item


def _spellings() -> dict[str, str]:
    """Every way to write a department (name or code) → its code."""
    return spellings(names(get_db()))


def _actor() -> str:
    user = current_user()
    assert user is not None  # the role guard ran first
    return user.username


def _matches(item: Item, args: dict[str, str]) -> bool:
    """The list filters: status, department, tag, updated-on range and free text."""
    query = args.get("q", "").strip()
    text = f"{item.external_id} {item.title} {item.question or ''} {' '.join(item.alt_questions)}"
    updated = to_local(item.updated_at).date() if item.updated_at else None
    return (
        (not args.get("status") or item.status == args["status"])
        and (not args.get("department") or item.department == args["department"])
        and (not args.get("tag") or args["tag"] in (item.tags or []))
        and (not query or query in text)
        and (not args.get("since") or (updated is not None and str(updated) >= args["since"]))
        and (not args.get("until") or (updated is not None and str(updated) <= args["until"]))
    )


@bp.route("/items")
@role_required(*CURATORS)
def item_list():
    args = {k: v for k, v in request.args.items() if v}
    kind = args.get("kind") if args.get("kind") in KIND_LABELS else None
    items = [i for i in store.latest_revisions(get_db(), kind) if _matches(i, args)]
    items.sort(key=lambda i: i.updated_at, reverse=True)
    page = max(1, request.args.get("page", 1, type=int) or 1)
    shown = items[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    return render_template(
        "console/items.html", items=shown, total=len(items), page=page, page_size=PAGE_SIZE,
        args=args, kinds=KIND_LABELS, statuses=STATUS_LABELS, departments=names(get_db()),
    )


@bp.route("/review")
@role_required(*REVIEWERS)
def review_queue():
    db = get_db()
    items = db.scalars(
        select(Item).where(Item.status == Status.REVIEW).order_by(Item.submitted_at)
    ).all()
    return render_template("console/review.html", items=items, kinds=KIND_LABELS,
                           authors={i.id: workflow.authors_of(db, i) for i in items},
                           changes={i.id: change_of(db, i) for i in items})


@bp.route("/items/<int:item_id>")
@role_required(*CURATORS)
def item_detail(item_id: int):
    db = get_db()
    item = _item_or_404(item_id)
    history = db.scalars(
        select(Item).where(Item.external_id == item.external_id).order_by(Item.version.desc())
    ).all()
    audit = db.scalars(
        select(AuditEntry).where(AuditEntry.external_id == item.external_id)
        .order_by(AuditEntry.id.desc()).limit(100)
    ).all()
    latest = workflow.latest_in_line(db, item)
    return render_template(
        "console/item.html", item=item, history=history, audit=audit, kinds=KIND_LABELS,
        statuses=STATUS_LABELS, latest=latest,
        authors=workflow.authors_of(db, item), index=index_state(db, item),
        change=change_of(db, item) if item.id == latest.id else None,
    )


def _render_form(item: Item | None, values: dict, error: str | None = None, status: int = 200):
    kind = item.kind if item is not None else Kind.FAQ
    return render_template(
        "console/item_form.html", item=item, kind=kind, values=values, error=error,
        departments=names(get_db()), kinds=KIND_LABELS,
    ), status


def _form_values(item: Item) -> dict:
    return {
        "question": item.question or "", "alt_questions": "\n".join(item.alt_questions or []),
        "title": item.title, "body": item.body, "department": item.department or "",
        "tags": "，".join(item.tags or []), "source_title": item.source_title or "",
        "url": item.url or "", "version_label": item.version_label or "",
        "effective_on": item.effective_on or "", "expires_on": item.expires_on or "",
    }


def _edited(item: Item | None) -> ItemData:
    """The content the form describes: a FAQ entry, or an edit of a document or guide."""
    if item is None or item.kind == Kind.FAQ:
        return forms.faq_data(request.form, item.external_id if item else None, _spellings())
    effective, expires = forms.dates(request.form)
    data = workflow.content_of(item)
    data.update(ItemData(
        title=forms.text(request.form, "title", "标题", required=True),
        body=forms.text(request.form, "body", "正文", required=True),
        department=forms.department(request.form, _spellings()),
        tags=split_tags(forms.text(request.form, "tags", "标签")),
        source_title=forms.text(request.form, "source_title", "依据来源") or None,
        url=forms.url(request.form),
        effective_on=effective, expires_on=expires,
    ))
    return data


def _save(item: Item | None):
    db = get_db()
    try:
        draft = workflow.save_draft(db, _edited(item), _actor())
    except (forms.FormError, WorkflowError) as exc:
        db.rollback()
        return _render_form(item, request.form.to_dict(), str(exc), 400)
    db.commit()
    flash("已保存为草稿。确认无误后请提交审核。", "success")
    return redirect(url_for("console.item_detail", item_id=draft.id))


@bp.route("/faq/new", methods=["GET", "POST"])
@role_required(*EDITORS)
def faq_new():
    if request.method == "POST":
        return _save(None)
    # A gap cluster opens this form pre-filled with its questions.
    prefill = {"question": request.args.get("question", ""),
               "alt_questions": "\n".join(request.args.getlist("alt")),
               "department": request.args.get("department", "")}
    return _render_form(None, prefill)


@bp.route("/items/<int:item_id>/edit", methods=["GET", "POST"])
@role_required(*EDITORS)
def item_edit(item_id: int):
    item = _item_or_404(item_id)
    if request.method == "POST":
        return _save(item)
    return _render_form(item, _form_values(item))


def _stored_upload(upload: FileStorage) -> Path:
    """Keep an uploaded file under UPLOAD_DIR with its own (Chinese) name, safely."""
    name = Path((upload.filename or "").replace("\\", "/")).name.lstrip(".")
    if not name or Path(name).suffix.lower() not in DOCUMENT_SUFFIXES:
        raise forms.FormError(f"请上传以下格式的文件：{'、'.join(DOCUMENT_SUFFIXES)}")
    if len(name.encode()) > MAX_NAME_BYTES:  # the file system's limit is 255 bytes
        raise forms.FormError("文件名过长，请改为不超过 60 个字的名称后重新上传。")
    folder = Path(current_app.config["UPLOAD_DIR"]) / "documents" / uuid.uuid4().hex
    folder.mkdir(parents=True)
    path = folder / name
    upload.save(path)
    return path


MAX_NAME_BYTES = 200


@bp.route("/documents/upload", methods=["GET", "POST"])
@role_required(*EDITORS)
def document_upload():
    if request.method == "GET":
        return render_template("console/upload.html", values={}, error=None,
                               departments=names(get_db()), suffixes=DOCUMENT_SUFFIXES)
    uploads.sweep()
    db = get_db()
    path = None
    try:
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            raise forms.FormError("请选择要上传的文件。")
        path = _stored_upload(upload)
        data = read_document(path)
        effective, expires = forms.dates(request.form)
        overrides = {
            "external_id": forms.text(request.form, "external_id", "条目编号"),
            "version_label": forms.text(request.form, "version_label", "版本"),
            "department": forms.department(request.form, _spellings()),
            "url": forms.url(request.form),
            "effective_on": effective, "expires_on": expires,
        }
        data.update({k: v for k, v in overrides.items() if v})  # type: ignore[typeddict-item]
        stated = None if data.get("effective_on") else effective_date_in(data["body"])
        if stated is not None:
            data["effective_on"] = stated
        draft = workflow.save_draft(db, data, _actor())
        _link_superseded(db, draft, request.form.get("supersedes", type=int))
    except (forms.FormError, BadImportFile, WorkflowError) as exc:
        db.rollback()
        if path is not None:
            shutil.rmtree(path.parent, ignore_errors=True)
        return render_template("console/upload.html", values=request.form, error=str(exc),
                               departments=names(get_db()), suffixes=DOCUMENT_SUFFIXES), 400
    db.commit()
    shutil.rmtree(path.parent, ignore_errors=True)  # the text is stored; the file is not needed
    flash(f"已导入为草稿，共 {len(draft.chunks)} 个片段。请检查切分结果后提交审核。", "success")
    if stated is not None:
        flash(f"生效日期 {stated.isoformat()} 取自正文中的施行日期，请核对；如有误请编辑修改。",
              "info")
    return redirect(url_for("console.item_detail", item_id=draft.id))


def _link_superseded(db, draft: Item, supersedes: int | None) -> None:
    """Record which earlier version (of the same document) a new version replaces."""
    if not supersedes:
        return
    older = db.get(Item, supersedes)
    if older is None or older.external_id != draft.external_id or older.id == draft.id:
        raise forms.FormError("“取代的版本”必须是同一文件的其他版本（请填写其版本记录编号）。")
    draft.supersedes_id = older.id


def _transition(item_id: int, change, success: str):
    """Apply one workflow step, commit, and refresh the live index when citizens see a change."""
    db = get_db()
    item = _item_or_404(item_id)
    visible_before = item.status == Status.PUBLISHED
    try:
        result = change(db, item) or item
    except WorkflowError as exc:
        db.rollback()
        flash(str(exc), "error")
        return redirect(url_for("console.item_detail", item_id=item_id))
    db.commit()
    if (item.status == Status.PUBLISHED) != visible_before:  # citizens' view changed
        request_reindex(db, item, _actor())
    flash(success, "success")
    return redirect(url_for("console.item_detail", item_id=result.id))


@bp.route("/items/<int:item_id>/submit", methods=["POST"])
@role_required(*EDITORS)
def item_submit(item_id: int):
    return _transition(item_id, lambda db, item: workflow.submit(db, item, _actor()),
                       "已提交审核。")


@bp.route("/items/<int:item_id>/withdraw", methods=["POST"])
@role_required(*EDITORS)
def item_withdraw(item_id: int):
    return _transition(item_id, lambda db, item: workflow.withdraw(db, item, _actor()),
                       "已撤回审核，可以继续编辑。")


@bp.route("/items/<int:item_id>/delete", methods=["POST"])
@role_required(*EDITORS)
def item_delete(item_id: int):
    db = get_db()
    item = _item_or_404(item_id)
    try:
        fallback = workflow.delete_draft(db, item, _actor())
    except WorkflowError as exc:
        db.rollback()
        flash(str(exc), "error")
        return redirect(url_for("console.item_detail", item_id=item_id))
    db.commit()
    flash(f"已删除草稿「{item.title}」（第 {item.version} 版）；审计日志保留了它的内容。", "success")
    if fallback is not None:
        return redirect(url_for("console.item_detail", item_id=fallback.id))
    return redirect(url_for("console.item_list"))


@bp.route("/items/<int:item_id>/approve", methods=["POST"])
@role_required(*REVIEWERS)
def item_approve(item_id: int):
    comment = request.form.get("comment", "").strip()
    if not request.form.get("confirmed"):
        flash("请先勾选“我已核对以上修改”，再审核通过并发布。", "error")
        return redirect(url_for("console.item_detail", item_id=item_id))
    return _transition(item_id, lambda db, item: workflow.approve(db, item, _actor(), comment),
                       "审核通过，已发布；线上索引正在更新。")


@bp.route("/items/<int:item_id>/reject", methods=["POST"])
@role_required(*REVIEWERS)
def item_reject(item_id: int):
    comment = request.form.get("comment", "")
    return _transition(item_id, lambda db, item: workflow.reject(db, item, _actor(), comment),
                       "已退回修改。")


@bp.route("/items/<int:item_id>/retire", methods=["POST"])
@role_required(*REVIEWERS)
def item_retire(item_id: int):
    comment = request.form.get("comment", "").strip()
    return _transition(item_id, lambda db, item: workflow.retire(db, item, _actor(), comment),
                       "已停用；线上索引正在更新。")


@bp.route("/items/<int:item_id>/rollback", methods=["POST"])
@role_required(*EDITORS)
def item_rollback(item_id: int):
    return _transition(item_id, lambda db, item: workflow.roll_back(db, item, _actor()),
                       "已按所选版本创建草稿，提交审核后生效。")
