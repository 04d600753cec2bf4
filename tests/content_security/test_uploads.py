"""Issue 14 item 13: zip bombs and PDF loops give a clear Chinese error without using much
memory; uploads and unconfirmed imports do not pile up; SQLite file mode; session cookies."""

from __future__ import annotations

import io
import json
import os
import stat
import subprocess
import sys
import time
import zipfile
import zlib
from pathlib import Path

import pytest
from auth.helpers import csrf_of, logged_in
from openpyxl import Workbook

from bot.config import PROJECT_ROOT

BOMB_BYTES = 400 * 1024 * 1024  # what the bomb unpacks to; a few hundred KB on disk


def _bombed(template: io.BytesIO, path: Path, name: str, head: bytes, tail: bytes) -> Path:
    """``template`` (an Office file) with member ``name`` replaced by a 400 MB one."""
    with zipfile.ZipFile(template) as source, zipfile.ZipFile(
            path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for info in source.infolist():
            if info.filename != name:
                archive.writestr(info, source.read(info))
        member = zipfile.ZipInfo(name)
        member.compress_type = zipfile.ZIP_DEFLATED
        with archive.open(member, "w", force_zip64=True) as stream:
            stream.write(head)
            chunk = b"A" * (1024 * 1024)
            for _ in range(BOMB_BYTES // len(chunk)):
                stream.write(chunk)
            stream.write(tail)
    return path


def xlsx_bomb(path: Path) -> Path:
    """A real workbook whose shared strings hold one 400 MB string."""
    template = io.BytesIO()
    workbook = Workbook()
    workbook.active.append(["id", "question", "answer"])
    workbook.active.append(["faq-1", "问题", "答案"])
    workbook.save(template)
    return _bombed(template, path, "xl/sharedStrings.xml",
                   b'<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/'
                   b'spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>',
                   b"</t></si></sst>")


def docx_bomb(path: Path) -> Path:
    """A real document whose body is one 400 MB run of text."""
    from docx import Document

    template = io.BytesIO()
    Document().save(template)
    return _bombed(template, path, "word/document.xml",
                   b'<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats'
                   b'.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>',
                   b"</w:t></w:r></w:p></w:body></w:document>")


def _pdf(objects: list[bytes]) -> bytes:
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += (f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n"
            .encode())
    return bytes(out)


def pdf_loop(path: Path) -> Path:
    """A page tree that is its own child."""
    path.write_bytes(_pdf([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
    ]))
    return path


def pdf_flate_bomb(path: Path) -> Path:
    packer = zlib.compressobj(9)
    data = b"".join(packer.compress(b"0" * (1 << 20)) for _ in range(BOMB_BYTES >> 20))
    data += packer.flush()
    path.write_bytes(_pdf([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(data) + data + b"\nendstream",
    ]))
    return path


READ_IN_CHILD = """
import resource, sys, time
from pathlib import Path
from knowledge_base.importer import read_file
from knowledge_base.records import BadImportFile
started = time.monotonic()
try:
    read_file(Path(sys.argv[1]))
    print("IMPORTED")
except BadImportFile as error:
    print("ERROR", error)
print("SECONDS", round(time.monotonic() - started, 1))
print("PEAK_MB", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)
"""


def _read_in_child(path: Path) -> dict[str, str]:
    result = subprocess.run([sys.executable, "-c", READ_IN_CHILD, str(path)], cwd=PROJECT_ROOT,
                            capture_output=True, text=True, timeout=120)
    lines = dict(line.split(" ", 1) for line in result.stdout.splitlines() if " " in line)
    assert "PEAK_MB" in lines, result.stdout + result.stderr
    return lines


@pytest.mark.parametrize("make, message", [
    (xlsx_bomb, "Excel（.xlsx） 文件解压后超过 100 MB（可能是压缩炸弹）"),
    (docx_bomb, "Word（.docx） 文件解压后超过 100 MB（可能是压缩炸弹）"),
    (pdf_loop, "不是有效的 PDF 文件"),
    (pdf_flate_bomb, "PDF 中没有可提取的文字"),
], ids=["xlsx-bomb", "docx-bomb", "pdf-loop", "pdf-flate-bomb"])
def test_malicious_files_give_a_clear_error_within_bounded_memory(tmp_path, make, message):
    suffix = {"xlsx_bomb": ".xlsx", "docx_bomb": ".docx"}.get(make.__name__, ".pdf")
    path = make(tmp_path / f"upload{suffix}")
    assert path.stat().st_size < 5 * 1024 * 1024
    normal = tmp_path / "normal.jsonl"
    normal.write_text(json.dumps({"question": "问题？", "answer": "答案。"}, ensure_ascii=False)
                      + "\n", encoding="utf-8")
    baseline = int(_read_in_child(normal)["PEAK_MB"])  # the interpreter and its imports
    lines = _read_in_child(path)
    assert message in lines.get("ERROR", ""), lines
    assert int(lines["PEAK_MB"]) < baseline + 100 and float(lines["SECONDS"]) < 20, lines


def test_console_import_of_a_zip_bomb_is_refused_and_leaves_nothing(app, tmp_path):
    editor = logged_in(app, "ed", "editor")
    editor.get("/console/transfer")
    bomb = xlsx_bomb(tmp_path / "faq.xlsx")
    response = editor.post("/console/import", data={
        "csrf_token": csrf_of(editor), "kind": "faq",
        "file": (io.BytesIO(bomb.read_bytes()), "常见问题.xlsx")}, content_type="multipart/form-data")
    assert response.status_code == 400 and "压缩炸弹" in response.text
    imports = Path(app.config["UPLOAD_DIR"]) / "imports"
    assert not imports.exists() or list(imports.iterdir()) == []


def _faq_upload(client, name: str = "faq.jsonl"):
    line = json.dumps({"id": "faq-u", "question": "居住证怎么办？", "answer": "到派出所办理。"},
                      ensure_ascii=False)
    return client.post("/console/import", data={
        "csrf_token": csrf_of(client), "kind": "faq",
        "file": (io.BytesIO(line.encode()), name)}, content_type="multipart/form-data")


def test_unconfirmed_imports_and_old_uploads_are_removed_by_age(make_app):
    app = make_app(UPLOAD_MAX_AGE_HOURS=1)
    editor = logged_in(app, "ed", "editor")
    editor.get("/console/transfer")
    assert _faq_upload(editor).status_code == 200  # a preview nobody confirms
    uploads = Path(app.config["UPLOAD_DIR"])
    [stale] = list((uploads / "imports").iterdir())
    leftover = uploads / "documents" / ("0" * 32)
    leftover.mkdir(parents=True)
    (leftover / "通知.pdf").write_bytes(b"%PDF")
    two_hours_ago = time.time() - 7200
    for folder in (stale, leftover):
        os.utime(folder, (two_hours_ago, two_hours_ago))
    assert _faq_upload(editor).status_code == 200  # the next upload sweeps
    assert not stale.exists() and not leftover.exists()
    assert len(list((uploads / "imports").iterdir())) == 1


def test_an_uploaded_document_is_not_kept_after_it_is_stored(app):
    editor = logged_in(app, "ed", "editor")
    editor.get("/console/documents/upload")
    response = editor.post("/console/documents/upload", data={
        "csrf_token": csrf_of(editor), "department": "huji",
        "file": (io.BytesIO("关于居住证的通知\n\n一、到派出所办理。".encode()), "通知.txt")},
        content_type="multipart/form-data")
    assert response.status_code == 302
    documents = Path(app.config["UPLOAD_DIR"]) / "documents"
    assert not documents.exists() or list(documents.iterdir()) == []


def test_sqlite_database_file_is_private(make_app):
    app = make_app()
    path = Path(app.config["DATABASE_URL"].removeprefix("sqlite:///"))
    with app.app_context():
        app.test_client().get("/")
    for file in (path, path.with_name(path.name + "-wal")):
        if file.exists():
            assert stat.S_IMODE(file.stat().st_mode) == 0o600, file


def test_session_cookie_is_samesite_and_secure_behind_https(make_app, postgres_url):
    dev = make_app()
    assert dev.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert dev.config["SESSION_COOKIE_HTTPONLY"] is True
    assert dev.config["SESSION_COOKIE_SECURE"] is False  # plain http on 127.0.0.1
    production = make_app(DATABASE_URL=postgres_url, REDIS_URL="redis://127.0.0.1:6379/0",
                          PUBLIC_URL="https://wz.example.gov.cn")
    assert production.config["SESSION_COOKIE_SECURE"] is True
    client = production.test_client()
    cookie = client.get("/auth/login").headers.get("Set-Cookie", "")
    assert "Secure" in cookie and "SameSite=Lax" in cookie and "HttpOnly" in cookie
    assert make_app(SESSION_COOKIE_SECURE="true").config["SESSION_COOKIE_SECURE"] is True


def test_an_upload_over_the_size_limit_gets_a_chinese_error(make_app):
    app = make_app(MAX_CONTENT_LENGTH=64 * 1024)
    editor = logged_in(app, "ed", "editor")
    editor.get("/console/transfer")
    response = editor.post("/console/import", data={
        "csrf_token": csrf_of(editor), "kind": "faq",
        "file": (io.BytesIO(b"x" * 100 * 1024), "faq.jsonl")}, content_type="multipart/form-data")
    assert response.status_code == 413 and "上传的内容过大" in response.text
