"""Policy documents: Markdown, plain text, HTML, DOCX, PDF files and a JSON Lines form.

Metadata (title, url, issuer, doc_number, published, effective, expires, region, …)
comes from YAML front matter or a sidecar ``<file>.meta.yml``. A date in the file
name, as in ``社会保险法(2018-12-29).md``, is the version: files of one regulation with
different dates are versions of the same ``doc-社会保险法``.
"""

from __future__ import annotations

import re
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from core.organisation import code_of, department_for
from knowledge_base.formats.files import (
    check_archive,
    parse_date,
    parse_url,
    read_jsonl,
    read_text,
)
from knowledge_base.models import Kind
from knowledge_base.records import BadImportFile, ItemData
from knowledge_base.text import clean, one_line

DOCUMENT_SUFFIXES = (".md", ".markdown", ".txt", ".html", ".htm", ".docx", ".pdf")
SIDECAR_SUFFIX = ".meta.yml"
MAX_TITLE_CHARS = 500
DATED_NAME = re.compile(r"^(?P<name>.+?)[\s_(（-]*(?P<date>\d{4}-\d{2}-\d{2})[)）]?$")
FRONT_MATTER = re.compile(r"\A---\n(.*?)\n---\n", re.S)
MARKDOWN_TITLE = re.compile(r"^#\s+(.+)$", re.M)
HTML_BLOCKS = ("p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "tr", "br", "section",
               "article", "table", "pre", "blockquote")


def read_document(path: Path) -> ItemData:
    """One policy document file (plus its metadata) as item content."""
    text, found_title, front = _extract(path)
    meta = {**front, **_sidecar(path)}
    body = re.sub(r"\n{3,}", "\n\n", clean(text))
    if not body.strip():
        raise BadImportFile(path, "文件没有可导入的正文")
    name, dated = _split_dated_name(path)
    title = one_line(meta.get("title")) or found_title or _first_line(body) or name
    if len(title) > MAX_TITLE_CHARS:  # PostgreSQL refuses it (kb_items.title is 500 long)
        raise BadImportFile(path, f"标题过长（{len(title)} 字），请控制在 {MAX_TITLE_CHARS} 字以内")
    return _document(path, None, meta, body, title, default_id=f"doc-{name}", dated=dated)


def read_document_jsonl(path: Path) -> list[ItemData]:
    """Documents given as JSON Lines: ``id, title, text, url, issuer, doc_number, …``."""
    items = []
    for row, record in read_jsonl(path):
        title, body = one_line(record.get("title")), clean(str(record.get("text") or ""))
        if not title or not body.strip():
            raise BadImportFile(path, "文档缺少 title 或 text", row)
        items.append(_document(path, row, record, body, title, default_id=f"doc-{title}"))
    return items


def is_document_record(record: dict[str, Any]) -> bool:
    return "text" in record and "title" in record


def _department(meta: dict[str, Any], title: str, path: Path, row: int | None) -> str:
    """The code of the department the metadata names (by name or code), else the title's."""
    try:
        return code_of(one_line(meta.get("department")) or department_for(title))
    except ValueError as exc:
        raise BadImportFile(path, str(exc), row) from None


def _document(path: Path, row: int | None, meta: dict[str, Any], body: str, title: str,
              default_id: str, dated: date | None = None) -> ItemData:
    effective = parse_date(meta.get("effective"), path, row, "effective") or dated
    version = one_line(str(meta.get("version") or "")) or (
        effective.isoformat() if effective else None)
    tags = meta.get("tags") or []
    return ItemData(
        external_id=one_line(str(meta.get("id") or "")) or default_id,
        kind=Kind.DOCUMENT, title=title, body=body,
        department=_department(meta, title, path, row),
        tags=[one_line(str(tag)) for tag in (tags if isinstance(tags, list) else [tags])],
        source_title=one_line(meta.get("source_title")) or title,
        url=parse_url(meta.get("url"), path, row),
        issuer=one_line(meta.get("issuer")) or None,
        doc_number=one_line(meta.get("doc_number")) or None,
        region=one_line(meta.get("region")) or None,
        version_label=version,
        published_on=parse_date(meta.get("published"), path, row, "published"),
        effective_on=effective,
        expires_on=parse_date(meta.get("expires"), path, row, "expires"),
    )


def _split_dated_name(path: Path) -> tuple[str, date | None]:
    """``社会保险法(2018-12-29)`` → (``社会保险法``, 2018-12-29)."""
    match = DATED_NAME.match(path.stem)
    if match:
        try:
            return match.group("name"), date.fromisoformat(match.group("date"))
        except ValueError:
            pass
    return path.stem, None


def _extract(path: Path) -> tuple[str, str | None, dict[str, Any]]:
    """(text, title found in the file, front-matter metadata) by file type."""
    suffix = path.suffix.lower()
    if suffix == ".docx":
        return (*_docx(path), {})
    if suffix == ".pdf":
        return (*_pdf(path), {})
    text = read_text(path)
    if suffix in (".html", ".htm"):
        return (*_html(text), {})
    front: dict[str, Any] = {}
    match = FRONT_MATTER.match(text)
    if match:
        front = _yaml_mapping(match.group(1), path)
        text = text[match.end():]
    title = MARKDOWN_TITLE.search(text) if suffix in (".md", ".markdown") else None
    return text, one_line(title.group(1)) if title else None, front


def _sidecar(path: Path) -> dict[str, Any]:
    sidecar = path.with_name(path.name + SIDECAR_SUFFIX)
    return _yaml_mapping(read_text(sidecar), sidecar) if sidecar.exists() else {}


def _yaml_mapping(text: str, path: Path) -> dict[str, Any]:
    try:
        value = yaml.safe_load(text) or {}
    except yaml.YAMLError as error:
        raise BadImportFile(path, f"元数据不是合法的 YAML（{error}）") from None
    if not isinstance(value, dict):
        raise BadImportFile(path, "元数据应为“键: 值”形式")
    return value


def _html(text: str) -> tuple[str, str | None]:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(text, "html.parser")
    heading = soup.find("h1") or soup.find("title")
    title = one_line(heading.get_text()) if heading else None
    for tag in soup(["script", "style", "head"]):
        tag.decompose()
    for tag in soup.find_all(HTML_BLOCKS):
        tag.insert_before("\n")
        tag.insert_after("\n")
    lines = [line.strip() for line in soup.get_text().split("\n")]
    return "\n\n".join(line for line in lines if line), title


def _docx(path: Path) -> tuple[str, str | None]:
    import docx
    from docx.opc.exceptions import PackageNotFoundError
    from lxml.etree import XMLSyntaxError

    check_archive(path, "Word（.docx）")
    try:
        document = docx.Document(str(path))
    # XMLSyntaxError: lxml's limits refusing entity expansion or a huge (bomb) part.
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError,
            XMLSyntaxError) as error:
        raise BadImportFile(path, f"不是有效的 Word（.docx）文件（{error}）") from None
    paragraphs = [p for p in document.paragraphs if p.text.strip()]
    title = one_line(document.core_properties.title) or next(
        (one_line(p.text) for p in paragraphs
         if p.style is not None and p.style.name in ("Title", "Heading 1")), None)
    return "\n\n".join(p.text.strip() for p in paragraphs), title


def _pdf(path: Path) -> tuple[str, str | None]:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(str(path))
        text = "\n".join(page.extract_text() or "" for page in reader.pages)
        title = one_line(reader.metadata.title) if reader.metadata else None
    except (PdfReadError, ValueError, KeyError, OSError) as error:
        raise BadImportFile(path, f"不是有效的 PDF 文件（{error}）") from None
    if not text.strip():
        raise BadImportFile(path, "PDF 中没有可提取的文字（可能是扫描件，请先做文字识别）")
    return text, title or None


def _first_line(body: str) -> str | None:
    for line in body.split("\n"):
        line = line.strip().lstrip("#").strip()
        if line:
            return line if len(line) <= 60 else None
    return None
