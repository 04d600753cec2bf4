"""Service guides (办事指南) in the Guangdong JSON Lines format.

Each record becomes one item: ``Item.fields`` keeps the raw record, ``Item.body`` is a
readable rendering with one 【section】 per useful field, which `chunking.chunk_guide`
turns into one chunk each. Sparse fields and the placeholder "无" are left out.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

from core.organisation import department_for
from knowledge_base.formats.files import parse_url
from knowledge_base.models import Kind
from knowledge_base.records import BadImportFile, ItemData
from knowledge_base.text import clean, one_line

SOURCE_TITLE = "广东政务服务网办事指南"
EMPTY = {"", "无", "[]", "None", "null"}


def is_guide_record(record: dict[str, Any]) -> bool:
    return "TASK_CODE" in record and "TASK_NAME" in record


def guide_item(record: dict[str, Any], path: Path, row: int) -> ItemData:
    """One guide record as item content; missing code or name is an error of that row."""
    code, name = one_line(record.get("TASK_CODE")), one_line(record.get("TASK_NAME"))
    if not code or not name:
        raise BadImportFile(path, "办事指南缺少 TASK_CODE 或 TASK_NAME", row)
    dept = _value(record.get("DEPT_NAME"))
    return ItemData(
        external_id=f"guide-{code}", kind=Kind.GUIDE, title=name, body=render(record, path, row),
        department=department_for(f"{dept or ''}{name}"), issuer=dept,
        tags=_listing(record.get("theme_category"), path, row), region=_value(record.get("AREA_CODE_TEXT")),
        url=parse_url(record.get("URL"), path, row, "URL"), source_title=SOURCE_TITLE, fields=record,
    )


def render(record: dict[str, Any], path: Path, row: int) -> str:
    """The readable guide text, one 【locator】 section per field that has content."""
    sections: list[tuple[str, list[str]]] = []
    overview = [
        ("事项名称", _value(record.get("TASK_NAME"))),
        ("实施部门", _value(record.get("DEPT_NAME"))),
        ("事项类型", _value(record.get("TASK_TYPE_TEXT"))),
        ("办理地区", _value(record.get("AREA_CODE_TEXT"))),
        ("服务对象", "、".join(_listing(record.get("service_object_name"), path, row)) or None),
    ]
    sections.append(("概述", [f"{label}：{value}" for label, value in overview if value]))
    materials = _listing(record.get("material_intro"), path, row)
    sections.append(("申请材料", [f"{n}. {m}" for n, m in enumerate(materials, start=1)]))
    location = _value(record.get("handle_location"))
    if location and location != "无线下办理窗口":
        location = location.removeprefix("办理地点：")
    sections.append(("办理地点", [location] if location else []))
    promised, legal = _value(record.get("handle_time_limit")), _value(record.get("handle_time"))
    limits = [f"承诺时限：{promised}"] if promised else []
    if legal:
        limits.append(f"法定时限：{legal}")
    sections.append(("办理时限", limits))
    for locator, key in (("受理条件", "accept_standard"), ("咨询电话", "consult_phone"),
                         ("投诉电话", "complain_phone")):
        value = _value(record.get(key))
        sections.append((locator, [value] if value else []))
    return "\n\n".join(f"【{locator}】\n" + "\n".join(lines) for locator, lines in sections if lines)


def _value(raw: Any) -> str | None:
    if raw is None:
        return None
    text = clean(str(raw)).strip()
    return None if text in EMPTY else text


def _listing(raw: Any, path: Path, row: int) -> list[str]:
    """A list field: a real list, or a Python-literal list stored as text (never eval'd)."""
    if isinstance(raw, str):
        text = raw.strip()
        if text in EMPTY:
            return []
        if text.startswith("["):
            try:
                raw = ast.literal_eval(text)
            except (ValueError, SyntaxError):
                raise BadImportFile(path, f"无法解析列表字段：{text[:40]}", row) from None
        else:
            raw = [text]
    if not isinstance(raw, list):
        return []
    return [value for value in (_value(entry) for entry in raw) if value]
