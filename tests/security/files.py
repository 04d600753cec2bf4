"""Import files for the suite: good ones to mangle, and malicious ones (bombs, entities, loops)."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from functools import lru_cache

from docx import Document
from openpyxl import Workbook
from reportlab.pdfgen import canvas

# What XML-based formats (DOCX, XLSX) cannot hold; their writers refuse it.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
BOMB_BYTES = 120 * 2**20  # decompressed size of the zip bombs (well past any real file)


def _xml_safe(text: str) -> str:
    return _XML_ILLEGAL.sub("", text)


def faq_jsonl(question: str, answer: str) -> bytes:
    row = {"id": "faq-sec", "question": question, "answer": answer, "url": "https://x.gov.cn/"}
    return (json.dumps(row, ensure_ascii=False) + "\n").encode("utf-8", "surrogatepass")


def faq_csv(question: str, answer: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["id", "question", "answer"])
    writer.writerow(["faq-sec", question, answer])
    return out.getvalue().encode("utf-8", "surrogatepass")


def faq_xlsx(question: str, answer: str) -> bytes:
    book = Workbook()
    book.active.append(["id", "question", "answer"])
    book.active.append(["faq-sec", _xml_safe(question), _xml_safe(answer)])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def guide_jsonl(question: str, answer: str) -> bytes:
    row = {"TASK_CODE": "SEC-001", "TASK_NAME": question, "ACCEPT_CONDITION": answer,
           "HANDLE_TIME_LIMIT": answer[:20]}
    return (json.dumps(row, ensure_ascii=False) + "\n").encode("utf-8", "surrogatepass")


def markdown(title: str, body: str) -> bytes:
    return f"---\ntitle: {json.dumps(title)}\n---\n# {title}\n\n{body}\n".encode(
        "utf-8", "surrogatepass")


def html(title: str, body: str) -> bytes:
    return f"<html><head><title>{title}</title></head><body><p>{body}</p></body></html>".encode(
        "utf-8", "surrogatepass")


def docx(title: str, body: str) -> bytes:
    document = Document()
    document.add_heading(_xml_safe(title) or "标题", 1)
    document.add_paragraph(_xml_safe(body))
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def pdf(title: str, body: str) -> bytes:
    out = io.BytesIO()
    page = canvas.Canvas(out)
    page.setTitle(_xml_safe(title))
    page.drawString(72, 720, _xml_safe(body)[:200])
    page.save()
    return out.getvalue()


# suffix -> writer of a good file with the given title/question and body/answer
FAQ_FORMATS = {".jsonl": faq_jsonl, ".csv": faq_csv, ".xlsx": faq_xlsx}
GUIDE_FORMATS = {".jsonl": guide_jsonl}
DOCUMENT_FORMATS = {".md": markdown, ".txt": lambda t, b: f"{t}\n\n{b}".encode(
    "utf-8", "surrogatepass"), ".html": html, ".docx": docx, ".pdf": pdf}

LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">'
    + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(8))
    + "]>"
)


@lru_cache
def zip_bomb(kind: str) -> bytes:
    """A DOCX or XLSX whose main part inflates to BOMB_BYTES (a few hundred KB on the wire)."""
    good = docx("标题", "正文") if kind == "docx" else faq_xlsx("问题", "答案")
    member = "word/document.xml" if kind == "docx" else "xl/worksheets/sheet1.xml"
    return _replace_member(good, member, lambda original: original[:-20] + b" " * BOMB_BYTES
                           + original[-20:])


@lru_cache
def entity_bomb(kind: str) -> bytes:
    """A DOCX or XLSX whose main XML part declares the billion-laughs entities."""
    good = docx("标题", "正文") if kind == "docx" else faq_xlsx("问题", "答案")
    member = "word/document.xml" if kind == "docx" else "xl/sharedStrings.xml"

    def poison(original: bytes) -> bytes:
        body = original.split(b"?>", 1)[-1]
        return LAUGHS.encode() + body.replace("正文".encode(), b"&i;").replace(
            "问题".encode(), b"&i;")

    return _replace_member(good, member, poison)


def _replace_member(archive: bytes, name: str, change) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(archive)) as source, zipfile.ZipFile(
        out, "w", zipfile.ZIP_DEFLATED, compresslevel=9
    ) as target:
        for info in source.infolist():
            data = source.read(info)
            target.writestr(info.filename, change(data) if info.filename == name else data)
    return out.getvalue()


PDF_LOOP = b"""%PDF-1.4
1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj
2 0 obj << /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 >> endobj
3 0 obj << /Type /Page /Parent 2 0 R /Contents 4 0 R >> endobj
4 0 obj << /Length 4 0 R >> stream
BT ET
endstream endobj
trailer << /Root 1 0 R /Size 5 /Prev 9 >>
startxref
9
%%EOF
"""


def malicious(suffix: str) -> list[tuple[str, bytes]]:
    """``(kind, content)`` of the malicious files that make sense for ``suffix``."""
    if suffix in (".docx", ".xlsx"):
        kind = suffix[1:]
        return [("zip bomb", zip_bomb(kind)), ("XML entities", entity_bomb(kind))]
    if suffix == ".pdf":
        return [("PDF loops", PDF_LOOP)]
    if suffix in (".html", ".md"):
        return [("XML entities", (LAUGHS + "<r>&i;</r>").encode())]
    return [("huge single line", b"a" * (8 * 2**20))]


FILENAME_TRICKS = ["../../../etc/x", "..\\..\\x", "/etc/passwd", "x\x00.exe", "CON", "", " ",
                   "社保\u202egpj", "a" * 300, ".hidden", "%2e%2e%2fx"]
