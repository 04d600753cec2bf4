"""What importers produce and the store consumes: plain data, no database objects."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any, TypedDict


class ItemData(TypedDict, total=False):
    """The content of one revision, as read from a file or a form (keys of `Item`)."""

    external_id: str
    kind: str
    title: str
    body: str
    question: str | None
    alt_questions: list[str]
    department: str | None
    tags: list[str]
    source_title: str | None
    url: str | None
    issuer: str | None
    doc_number: str | None
    region: str | None
    version_label: str | None
    published_on: date | None
    effective_on: date | None
    expires_on: date | None
    fields: dict[str, Any]


CONTENT_FIELDS: tuple[str, ...] = tuple(ItemData.__annotations__)


class BadImportFile(ValueError):
    """A file that cannot be imported; the message names the file and the row."""

    def __init__(self, path: Path | str, message: str, row: int | None = None) -> None:
        self.path = str(path)
        self.row = row
        self.reason = message  # without the file and row, for a table of rows
        where = f"{self.path} 第 {row} 行" if row is not None else self.path
        super().__init__(f"{where}：{message}")
