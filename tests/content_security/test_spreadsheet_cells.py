"""Issue 14 item 9: exported spreadsheets never carry live formulas from citizen or staff text."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from bot.handoff.review import export_csv
from bot.models import Conversation, Handoff, Message
from knowledge_base import store
from knowledge_base.formats.faq import write_faqs
from knowledge_base.importer import read_file
from knowledge_base.models import Kind
from knowledge_base.records import ItemData

FORMULAS = ["=HYPERLINK(\"http://evil.example\",\"点我\")", "+1+cmd|' /C calc'!A0",
            "-2+3", "@SUM(1,1)", "\t=1+1", "\r=1+1"]


def _faq(db: Session, n: int, text: str) -> None:
    store.store_revision(db, ItemData(
        external_id=f"faq-{n}", kind=Kind.FAQ, title=text, question=text, alt_questions=[text],
        body=text, department="社保", tags=[text], source_title=text), "editor")


def _is_formula(value: object) -> bool:
    return isinstance(value, str) and value.lstrip("\t\r").startswith(("=", "+", "-", "@"))


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_faq_export_cells_are_text_and_import_back_unchanged(db: Session, tmp_path: Path, fmt):
    for n, text in enumerate(FORMULAS):
        _faq(db, n, text)
    db.commit()
    items = store.latest_revisions(db, Kind.FAQ)
    path = tmp_path / f"faq.{fmt}"
    write_faqs(items, path, fmt)
    if fmt == "xlsx":
        sheet = load_workbook(path).active
        cells = [cell for row in sheet.iter_rows(min_row=2) for cell in row]
        assert all(cell.data_type != "f" for cell in cells)
        values = [cell.value for cell in cells]
    else:
        rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))[1:]
        values = [value for row in rows for value in row]
    assert not [value for value in values if _is_formula(value)]
    # The round trip keeps the text: importing the export gives it back (trimmed as on import).
    assert sorted(data["body"] for data in read_file(path)) == sorted(t.strip() for t in FORMULAS)


def test_handoff_csv_export_neutralises_citizen_text(db: Session):
    conversation = Conversation(session_id="s-formula", channel="web")
    db.add(conversation)
    db.flush()
    for text in FORMULAS:
        db.add(Message(conversation_id=conversation.id, role="user", text=text))
    handoff = Handoff(conversation_id=conversation.id, reason="user_request",
                      last_query=FORMULAS[0], department="=cmd")
    db.add(handoff)
    db.commit()
    text = "".join(export_csv([handoff])).lstrip("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows and not [value for row in rows for value in row.values() if _is_formula(value)]
    assert rows[0]["last_query"] == "'" + FORMULAS[0]
