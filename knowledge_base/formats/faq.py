"""FAQ entries in JSON Lines, CSV and XLSX, both ways: staff edit them in Excel.

Columns: ``id, question, alt_questions, answer, department, tags, source_title, url,
effective, expires``. In CSV and XLSX, several alternate questions or tags go in one
cell, one per line (``|`` is accepted too). Export then import gives the same content.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from core.organisation import BUILT_IN_SPELLINGS, code_of, department_for
from core.text import search_key
from knowledge_base.formats.cells import neutralise_row
from knowledge_base.formats.files import Row, parse_date, parse_url
from knowledge_base.models import Item, Kind
from knowledge_base.records import BadImportFile, ItemData
from knowledge_base.text import clean, one_line

COLUMNS = ("id", "question", "alt_questions", "answer", "department", "tags", "source_title",
           "url", "effective", "expires")
REQUIRED = ("question", "answer")
FORMATS = ("jsonl", "csv", "xlsx")
LIST_SEPARATORS = re.compile(r"\n|\|")
# Tags are short terms; staff separate them with any of these (full- or half-width).
TAG_SEPARATORS = re.compile(r"[\s|,，、;；]+")


def is_faq_record(record: dict[str, Any]) -> bool:
    return "question" in record and "answer" in record


def faq_item(record: dict[str, Any], path: Path, row: int,
             organisation: Mapping[str, str] = BUILT_IN_SPELLINGS) -> ItemData:
    """One row as FAQ content (the rule of the CLI and the console import alike); the
    department, a name or a code, is stored as its code (``organisation``: spelling → code)."""
    question = one_line(record.get("question"))
    answer = clean(str(record.get("answer") or "")).strip()
    if not question:
        raise BadImportFile(path, "问题（question）为空", row)
    if not answer:
        raise BadImportFile(path, "答案（answer）为空", row)
    try:
        department = code_of(one_line(record.get("department")) or department_for(question + answer),
                             organisation)
    except ValueError as exc:
        raise BadImportFile(path, str(exc), row) from None
    digest = hashlib.sha1(search_key(question).encode()).hexdigest()[:12]
    alternates = [q for q in _listing(record.get("alt_questions"), LIST_SEPARATORS)
                  if q != question]
    return ItemData(
        external_id=one_line(str(record.get("id") or "")) or f"faq-{digest}",
        kind=Kind.FAQ, title=question, question=question, body=answer,
        alt_questions=alternates,
        department=department,
        tags=split_tags(record.get("tags")),
        source_title=one_line(record.get("source_title")) or None,
        url=parse_url(record.get("url"), path, row),
        effective_on=parse_date(record.get("effective"), path, row, "effective"),
        expires_on=parse_date(record.get("expires"), path, row, "expires"),
    )


def faq_record(item: Item) -> dict[str, Any]:
    """The export form of a FAQ revision (JSON Lines values; lists stay lists)."""
    return {
        "id": item.external_id, "question": item.question or item.title,
        "alt_questions": list(item.alt_questions or []), "answer": item.body,
        "department": item.department or "", "tags": list(item.tags or []),
        "source_title": item.source_title or "", "url": item.url or "",
        "effective": item.effective_on.isoformat() if item.effective_on else "",
        "expires": item.expires_on.isoformat() if item.expires_on else "",
    }


def write_faqs(items: list[Item], path: Path, fmt: str) -> int:
    """Write FAQ revisions to ``path`` in ``fmt``; returns how many were written."""
    records = [faq_record(item) for item in items]
    if fmt == "jsonl":
        lines = [json.dumps(record, ensure_ascii=False) for record in records]
        path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    elif fmt == "csv":
        # UTF-8 with BOM so that Excel opens the Chinese text correctly.
        with path.open("w", encoding="utf-8-sig", newline="") as stream:
            writer = csv.DictWriter(stream, fieldnames=COLUMNS)
            writer.writeheader()
            writer.writerows(neutralise_row(_flat(record)) for record in records)
    elif fmt == "xlsx":
        _write_xlsx([neutralise_row(_flat(record)) for record in records], path)
    else:
        raise ValueError(f"unknown FAQ format {fmt!r}")
    return len(records)


def _write_xlsx(rows: list[dict[str, str]], path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "FAQ"
    sheet.append(list(COLUMNS))
    for row in rows:
        sheet.append([row[column] for column in COLUMNS])
    for cells in sheet.iter_rows(min_row=2):
        for cell in cells:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    for letter, width in zip("ABCDEFGHIJ", (18, 40, 40, 80, 10, 16, 30, 30, 12, 12), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A2"
    workbook.save(path)


def _flat(record: dict[str, Any]) -> dict[str, str]:
    return {key: "\n".join(value) if isinstance(value, list) else value
            for key, value in record.items()}


def split_tags(raw: Any) -> list[str]:
    """Tags of a cell or form field, once each: 灵活就业;医保缴费 is two tags."""
    return list(dict.fromkeys(_listing(raw, TAG_SEPARATORS)))


def _listing(raw: Any, separators: re.Pattern[str]) -> list[str]:
    values = raw if isinstance(raw, list) else separators.split(str(raw or ""))
    return [text for text in (one_line(str(value)) for value in values) if text]


def check_columns(path: Path, rows: list[Row]) -> None:
    """A table (CSV or XLSX, first row the header) must have the required columns."""
    columns = set(rows[0][1]) if rows else set()
    missing = [name for name in REQUIRED if name not in columns]
    if rows and missing:
        raise BadImportFile(path, f"缺少必需的列：{'、'.join(missing)}（第 1 行为表头）")
