"""导入导出: FAQ entries and service guides in and out as JSON Lines, CSV or XLSX.

An upload is kept under ``UPLOAD_DIR/imports/<token>/`` between the preview and the
confirmation, so what is confirmed is exactly the file that was previewed.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
import uuid
from pathlib import Path

from flask import (
    abort,
    after_this_request,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)

from bot.auth import current_user, role_required
from bot.console import importing, uploads
from bot.console.blueprint import CURATORS, EDITORS, bp
from bot.db import get_db
from knowledge_base import store
from knowledge_base.formats.faq import FORMATS, write_faqs
from knowledge_base.importer import ROW_FORMATS, ROW_KIND_LABELS
from knowledge_base.models import Kind, Status
from knowledge_base.records import BadImportFile

TOKEN = re.compile(r"^[0-9a-f]{32}$")


def _imports_dir() -> Path:
    return Path(current_app.config["UPLOAD_DIR"]) / "imports"


def _upload(token: str) -> tuple[Path, str]:
    """The kept file of an upload and its kind; 404 for unknown or foreign tokens."""
    folder = _imports_dir() / token
    if not TOKEN.match(token) or not (folder / "upload.json").is_file():
        abort(404)
    meta = json.loads((folder / "upload.json").read_text(encoding="utf-8"))
    if meta["user"] != current_user().username:  # type: ignore[union-attr]
        abort(404)
    return folder / meta["name"], meta["kind"]


def _page(error: str | None = None, status: int = 200):
    return render_template("console/transfer.html", error=error, kinds=ROW_KIND_LABELS,
                           formats=ROW_FORMATS, export_formats=FORMATS), status


@bp.route("/transfer")
@role_required(*EDITORS)
def transfer():
    return _page()


@bp.route("/import", methods=["POST"])
@role_required(*EDITORS)
def import_upload():
    uploads.sweep()
    kind = request.form.get("kind", "")
    upload = request.files.get("file")
    if kind not in ROW_KIND_LABELS:
        return _page("请选择导入内容的类型。", 400)
    if upload is None or not upload.filename:
        return _page("请选择要导入的文件。", 400)
    name = "upload" + Path(upload.filename.replace("\\", "/")).suffix.lower()
    token = uuid.uuid4().hex
    folder = _imports_dir() / token
    folder.mkdir(parents=True)
    upload.save(folder / name)
    meta = {"kind": kind, "name": name, "original": upload.filename,
            "user": current_user().username}  # type: ignore[union-attr]
    (folder / "upload.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    try:
        result = importing.preview(get_db(), folder / name, kind)
    except BadImportFile as exc:
        shutil.rmtree(folder, ignore_errors=True)
        return _page(f"{upload.filename}：{exc.reason}", 400)
    return render_template("console/import_preview.html", preview=result, token=token,
                           filename=upload.filename, kind=ROW_KIND_LABELS[kind])


@bp.route("/import/<token>", methods=["POST"])
@role_required(*EDITORS)
def import_confirm(token: str):
    path, kind = _upload(token)
    db = get_db()
    if request.form.get("decision") == "cancel":
        shutil.rmtree(path.parent, ignore_errors=True)
        flash("已取消导入，没有做任何修改。", "success")
        return redirect(url_for("console.transfer"))
    try:
        changed = importing.apply(db, path, kind, current_user().username)  # type: ignore[union-attr]
    except BadImportFile as exc:
        db.rollback()
        return _page(str(exc), 400)
    db.commit()
    shutil.rmtree(path.parent, ignore_errors=True)
    flash(f"已导入 {changed} 条为草稿，请提交审核后生效。", "success")
    return redirect(url_for("console.item_list", status=Status.DRAFT, kind=kind))


@bp.route("/export.<fmt>")
@role_required(*CURATORS)
def faq_export(fmt: str):
    """The newest non-retired revision of every FAQ entry, ready to edit and re-import."""
    if fmt not in FORMATS:
        abort(404)
    items = [i for i in store.latest_revisions(get_db(), Kind.FAQ) if i.status != Status.RETIRED]
    folder = Path(tempfile.mkdtemp(prefix="export-", dir=current_app.config["UPLOAD_DIR"]))
    path = folder / f"faq.{fmt}"
    write_faqs(items, path, fmt)

    @after_this_request
    def _clean_up(response):
        shutil.rmtree(folder, ignore_errors=True)
        return response

    return send_file(path, as_attachment=True, download_name=f"wenzheng-faq.{fmt}")
