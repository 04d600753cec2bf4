"""Low-level reading of text, JSON Lines, CSV and XLSX files with clear, located errors."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

from knowledge_base.formats.cells import restore
from knowledge_base.records import BadImportFile
from knowledge_base.text import UndecodableText, decode, one_line
from knowledge_base.urls import UnsafeUrl, source_url

Row = tuple[int, dict[str, Any]]  # (row number as the user sees it, values)

# DOCX and XLSX are zip archives: a few KB can unpack to gigabytes (a zip bomb). What a
# member may unpack to is declared in the archive and enforced by zipfile while reading
# (it stops at the declared size and checks the CRC), so checking the declared sizes
# before any parser opens the file bounds the memory an import can take.
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
MAX_MEMBERS = 10_000


def read_text(path: Path) -> str:
    try:
        return decode(path.read_bytes())
    except UndecodableText as error:
        raise BadImportFile(path, str(error)) from None


def read_jsonl(path: Path) -> list[Row]:
    """Objects of a JSON Lines file, numbered by line; the first bad line raises."""
    rows, errors = jsonl_rows(path)
    if errors:
        raise BadImportFile(path, errors[0][1], errors[0][0])
    return rows


def jsonl_rows(path: Path) -> tuple[list[Row], list[tuple[int, str]]]:
    """Objects of a JSON Lines file, numbered by line, and (line, reason) of the lines that are
    not JSON objects; blank lines are skipped."""
    rows: list[Row] = []
    errors: list[tuple[int, str]] = []
    for number, line in enumerate(read_text(path).split("\n"), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as error:
            errors.append((number, f"不是合法的 JSON（{error.msg}）"))
            continue
        if isinstance(value, dict):
            rows.append((number, value))
        else:
            errors.append((number, "每行应为一个 JSON 对象"))
    return rows, errors


def read_csv(path: Path) -> list[Row]:
    """Rows of a CSV file with a header line, numbered as a spreadsheet shows them."""
    reader = csv.DictReader(io.StringIO(read_text(path), newline=""))
    try:
        return [(number, _strip_keys(row)) for number, row in enumerate(reader, start=2)]
    except csv.Error as error:
        raise BadImportFile(path, f"CSV 格式错误（{error}）", reader.line_num) from None


def check_archive(path: Path, kind: str) -> None:
    """Refuse a DOCX/XLSX that is not a zip or unpacks to more than `MAX_UNPACKED_BYTES`."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError) as error:
        raise BadImportFile(path, f"不是有效的 {kind} 文件（{error}）") from None
    if len(members) > MAX_MEMBERS or sum(m.file_size for m in members) > MAX_UNPACKED_BYTES:
        raise BadImportFile(path, f"{kind} 文件解压后超过 {MAX_UNPACKED_BYTES // 2**20} MB"
                                  "（可能是压缩炸弹），未导入；请检查文件或拆分后再导入")


def read_xlsx(path: Path) -> list[Row]:
    """Rows of the first worksheet, the first row being the header."""
    from openpyxl import load_workbook

    check_archive(path, "Excel（.xlsx）")

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        raise BadImportFile(path, f"不是有效的 Excel（.xlsx）文件（{error}）") from None
    try:
        rows = workbook.worksheets[0].iter_rows(values_only=True)
        header = [str(cell or "").strip() for cell in next(rows, ())]
        result = []
        for number, values in enumerate(rows, start=2):
            if all(value in (None, "") for value in values):
                continue
            cells = {name: _cell(value) for name, value in zip(header, values, strict=False)}
            result.append((number, cells))
        return result
    finally:
        workbook.close()


def parse_date(value: Any, path: Path, row: int | None, name: str) -> date | None:
    """A date from ISO text, a spreadsheet date or YAML; empty means no date."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise BadImportFile(path, f"{name} 不是有效日期（应为 YYYY-MM-DD）：{value}", row) from None


def parse_url(value: Any, path: Path, row: int | None, name: str = "url") -> str | None:
    """A source link of a row: http(s) only (`knowledge_base.urls`); empty means none."""
    try:
        return source_url(one_line(str(value or "")), f"官方链接（{name}）")
    except UnsafeUrl as error:
        raise BadImportFile(path, str(error), row) from None


def _cell(value: Any) -> Any:
    if isinstance(value, str):
        return restore(value)
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return value if value is None or isinstance(value, str) else str(value)


def _strip_keys(row: dict[str | None, Any]) -> dict[str, Any]:
    return {(key or "").strip(): restore(value) for key, value in row.items() if key is not None}
