"""Importing files and folders into the knowledge base, all or nothing.

Every file is read and validated before anything is stored, and everything is stored
in the caller's one transaction: a bad row anywhere means nothing is imported.
FAQ and guide rows are read by `read_rows`, the one row rule of this import and the
console's import (which previews every row and imports the good ones).
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
from knowledge_base.formats.faq import check_columns, faq_item, is_faq_record
from knowledge_base.formats.files import Row, jsonl_rows, read_csv, read_jsonl, read_xlsx
from knowledge_base.formats.guides import guide_item, is_guide_record
from knowledge_base.models import Kind, Status
from knowledge_base.records import BadImportFile, ItemData
from knowledge_base.store import SaveOutcome
from knowledge_base.text import one_line

KIND_NAMES = {"faq": Kind.FAQ, "doc": Kind.DOCUMENT, "guide": Kind.GUIDE}
TABLE_SUFFIXES = (".csv", ".xlsx")
# What row-by-row content can be imported from.
ROW_FORMATS: dict[str, tuple[str, ...]] = {"faq": (".jsonl", *TABLE_SUFFIXES), "guide": (".jsonl",)}
ROW_KIND_LABELS = {"faq": "常见问答", "guide": "办事指南"}
# Files that describe a folder rather than being content of it.
NOT_CONTENT = ("readme", "license", "licence", "notice")


@dataclass(frozen=True)
class RowError:
    row: int
    message: str
    external_id: str = ""
    title: str = ""  # the row's question or name, so that staff find it


@dataclass
class Rows:
    """A file's rows: each one as content or as that row's error, in row order."""

    items: list[tuple[int, ItemData]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    def all_or_nothing(self, path: Path) -> list[ItemData]:
        """The content of every row; the first bad row raises."""
        if self.errors:
            first = min(self.errors, key=lambda error: error.row)
            raise BadImportFile(path, first.message, first.row)
        return [data for _row, data in self.items]


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
    """Validated content of one file; ``kind`` is guessed when not given."""
    kind = kind or guess_kind(path)
    if kind in ROW_FORMATS:
        return read_rows(path, kind, departments).all_or_nothing(path)
    if path.suffix.lower() == ".jsonl":
        return read_document_jsonl(path)
    if path.suffix.lower() not in DOCUMENT_SUFFIXES:
        raise BadImportFile(path, "政策文件只能是 Markdown、TXT、HTML、DOCX、PDF 或 JSONL")
    return [read_document(path)]


def read_rows(path: Path, kind: str, departments: Mapping[str, str] = BUILT_IN_SPELLINGS,
              shown_as: Path | None = None) -> Rows:
    """Every FAQ or guide row of a file as content or as that row's error (bad JSON, missing
    fields, an unknown department, a bad date or link, an id an earlier row has). A file that
    cannot be read at all, or a table without the required columns, raises. Errors name the
    file as ``shown_as`` (an upload's own name) when given."""
    name = shown_as or path
    suffix = path.suffix.lower()
    if suffix not in ROW_FORMATS[kind]:
        formats = "、".join(ROW_FORMATS[kind])
        raise BadImportFile(name, f"{ROW_KIND_LABELS[kind]}只能从 {formats} 文件导入")
    rows: list[Row]
    if suffix == ".jsonl":
        rows, bad_lines = jsonl_rows(path)
        result = Rows(errors=[RowError(row, message) for row, message in bad_lines])
    else:
        rows, result = (read_csv if suffix == ".csv" else read_xlsx)(path), Rows()
        if kind == "faq":
            check_columns(name, rows)
    first_row: dict[str, int] = {}
    for number, record in rows:
        try:
            if kind == "faq":
                data = faq_item(record, name, number, departments)
            else:
                data = guide_item(record, name, number)
        except BadImportFile as error:
            title = one_line(str(record.get("question") or record.get("TASK_NAME") or ""))
            result.errors.append(RowError(number, error.reason, title=title))
            continue
        earlier = first_row.setdefault(data["external_id"], number)
        if earlier != number:
            result.errors.append(RowError(number, f"与第 {earlier} 行重复（{data['external_id']}）",
                                          data["external_id"], data["title"]))
            continue
        result.items.append((number, data))
    return result


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
