"""Importing files and folders into the knowledge base, all or nothing.

Every file is read and validated before anything is stored, and everything is stored
in the caller's one transaction: a bad row anywhere means nothing is imported.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.orm import Session

from core.organisation import BUILT_IN_SPELLINGS, names, spellings
from knowledge_base import store
from knowledge_base.formats.documents import (
    DOCUMENT_SUFFIXES,
    SIDECAR_SUFFIX,
    is_document_record,
    read_document,
    read_document_jsonl,
)
from knowledge_base.formats.faq import is_faq_record, read_faqs
from knowledge_base.formats.files import read_jsonl
from knowledge_base.formats.guides import is_guide_record, read_guides
from knowledge_base.models import Kind, Status
from knowledge_base.records import BadImportFile, ItemData
from knowledge_base.store import SaveOutcome

KIND_NAMES = {"faq": Kind.FAQ, "doc": Kind.DOCUMENT, "guide": Kind.GUIDE}
TABLE_SUFFIXES = (".csv", ".xlsx")
# Files that describe a folder rather than being content of it.
NOT_CONTENT = ("readme", "license", "licence", "notice")


@dataclass
class ImportReport:
    files: list[Path] = field(default_factory=list)
    counts: dict[SaveOutcome, int] = field(default_factory=lambda: dict.fromkeys(SaveOutcome, 0))
    published: int = 0

    def summary(self) -> str:
        return (f"{len(self.files)} 个文件：新建 {self.counts[SaveOutcome.CREATED]} 条，"
                f"更新草稿 {self.counts[SaveOutcome.UPDATED]} 条，"
                f"未变化 {self.counts[SaveOutcome.UNCHANGED]} 条，发布 {self.published} 条")


def import_path(session: Session, path: Path, actor: str, kind: str | None = None,
                publish: bool = False) -> ImportReport:
    """Import a file or a folder (recursively); raises `BadImportFile` before storing anything."""
    report = ImportReport(files=content_files(path))
    items = _read_all(report.files, kind, spellings(names(session)))
    for data in items:
        item, outcome = store.store_revision(session, data, actor)
        report.counts[outcome] += 1
        if publish and item.status != Status.PUBLISHED:
            store.publish(session, item, actor, "导入时发布")
            report.published += 1
    session.flush()
    return report


def content_files(path: Path) -> list[Path]:
    """The importable files at ``path``: the file itself, or a folder's files, sorted."""
    if not path.exists():
        raise BadImportFile(path, "文件或目录不存在")
    if path.is_file():
        return [path]
    return sorted(
        candidate for candidate in path.rglob("*")
        if candidate.is_file()
        and not any(part.startswith(".") for part in candidate.relative_to(path).parts)
        and not candidate.name.lower().startswith(NOT_CONTENT)
        and candidate.suffix.lower() in (*DOCUMENT_SUFFIXES, *TABLE_SUFFIXES, ".jsonl")
        and not candidate.name.endswith(SIDECAR_SUFFIX)
    )


def guess_kind(path: Path) -> str:
    """faq, doc or guide, from the file type and, for JSON Lines, the first record's fields."""
    suffix = path.suffix.lower()
    if suffix in TABLE_SUFFIXES:
        return "faq"
    if suffix in DOCUMENT_SUFFIXES:
        return "doc"
    if suffix == ".jsonl":
        rows = read_jsonl(path)
        record = rows[0][1] if rows else {}
        for name, matches in (("guide", is_guide_record), ("faq", is_faq_record),
                              ("doc", is_document_record)):
            if matches(record):
                return name
        raise BadImportFile(path, "无法判断内容类型：请用 --kind 指定 faq、doc 或 guide", 1)
    raise BadImportFile(path, f"不支持的文件类型：{suffix or '无扩展名'}")


def read_file(path: Path, kind: str | None = None,
              departments: Mapping[str, str] = BUILT_IN_SPELLINGS) -> list[ItemData]:
    """Validated content of one file; ``kind`` is guessed when not given; ``departments``
    maps every way to write a department to its code."""
    kind = kind or guess_kind(path)
    if kind == "guide":
        return read_guides(path)
    if kind == "faq":
        if path.suffix.lower() not in (*TABLE_SUFFIXES, ".jsonl"):
            raise BadImportFile(path, "FAQ 只能从 JSONL、CSV 或 XLSX 文件导入")
        return read_faqs(path, departments)
    if path.suffix.lower() == ".jsonl":
        return read_document_jsonl(path)
    if path.suffix.lower() not in DOCUMENT_SUFFIXES:
        raise BadImportFile(path, "政策文件只能是 Markdown、TXT、HTML、DOCX、PDF 或 JSONL")
    return [read_document(path)]


def _read_all(paths: list[Path], kind: str | None,
              departments: Mapping[str, str]) -> list[ItemData]:
    """Everything to import, checked for ids that two files both claim."""
    items: list[ItemData] = []
    owners: dict[tuple[str, str | None], Path] = {}
    for path in paths:
        for data in read_file(path, kind, departments):
            key = (data["external_id"], data.get("version_label"))
            other = owners.setdefault(key, path)
            if other != path:
                raise BadImportFile(path, f"编号 {data['external_id']} 已在 {other} 中出现")
            items.append(data)
    return items
