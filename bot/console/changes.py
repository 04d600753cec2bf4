"""What a pending change does, field by field, as a character-level side-by-side diff.

Chinese has no spaces, so words are compared character by character (difflib on
characters, lines first so long documents stay fast); short unchanged runs between two
changes are folded into the change, so one added sentence reads as one insertion and a
rewritten phrase as one replacement rather than a scatter of single characters. Long
unchanged stretches are shortened to their ends.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.labels import display, field_label
from knowledge_base.models import Item, Status

# Fields a reviewer compares, in reading order.
COMPARED = ("title", "question", "alt_questions", "body", "department", "tags", "source_title",
            "url", "issuer", "doc_number", "version_label", "effective_on", "expires_on")
MIN_EQUAL = 2  # a lone unchanged character between two changes joins the change
CONTEXT = 40  # characters kept on each side of a change inside a long unchanged run


@dataclass
class Piece:
    """A run of text: ``kind`` is ``same``, ``del`` (left column) or ``add`` (right column)."""

    kind: str
    text: str


@dataclass
class FieldDiff:
    name: str
    label: str
    left: list[Piece] = field(default_factory=list)
    right: list[Piece] = field(default_factory=list)


@dataclass
class Change:
    """A pending revision against the revision citizens see now (or the one before it)."""

    label: str  # 新建 / 修订（线上版本继续服务） / 修改草稿
    base: Item | None
    fields: list[FieldDiff]


def opcodes(before: str, after: str) -> list[tuple[str, str, str]]:
    """``(tag, old, new)`` runs of a character diff, computed per changed block of lines."""
    result: list[tuple[str, str, str]] = []
    old_lines, new_lines = before.splitlines(keepends=True), after.splitlines(keepends=True)
    lines = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    for tag, i1, i2, j1, j2 in lines.get_opcodes():
        old, new = "".join(old_lines[i1:i2]), "".join(new_lines[j1:j2])
        if tag != "replace":
            result.append((tag, old, new))
            continue
        chars = difflib.SequenceMatcher(None, old, new, autojunk=False)
        result.extend((t, old[a1:a2], new[b1:b2]) for t, a1, a2, b1, b2 in chars.get_opcodes())
    return _grouped(result)


def _grouped(runs: list[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    """Fold short unchanged runs between changes into one replacement; merge neighbours."""
    merged: list[tuple[str, str, str]] = []
    for index, (tag, old, new) in enumerate(runs):
        between = 0 < index < len(runs) - 1
        if tag == "equal" and between and len(old) < MIN_EQUAL and "\n" not in old:
            tag = "replace"
        if merged and tag != "equal" and merged[-1][0] != "equal":
            _, old0, new0 = merged.pop()
            old, new = old0 + old, new0 + new
            tag = "replace" if old and new else ("delete" if old else "insert")
        if tag == "equal" and merged and merged[-1][0] == "equal":
            _, old0, new0 = merged.pop()
            old, new = old0 + old, new0 + new
        merged.append((tag, old, new))
    return [run for run in merged if run[1] or run[2]]


def _shortened(text: str, first: bool, last: bool) -> str:
    """An unchanged run cut to the context a reader needs around the changes."""
    if len(text) <= 2 * CONTEXT + 10:
        return text
    head = "" if first else text[:CONTEXT]
    tail = "" if last else text[-CONTEXT:]
    return f"{head}……{tail}"


def field_diff(name: str, before: str, after: str) -> FieldDiff:
    result = FieldDiff(name=name, label=field_label(name))
    runs = opcodes(before, after)
    for index, (tag, old, new) in enumerate(runs):
        if tag == "equal":
            text = _shortened(old, index == 0, index == len(runs) - 1)
            result.left.append(Piece("same", text))
            result.right.append(Piece("same", text))
            continue
        if old:
            result.left.append(Piece("del", old))
        if new:
            result.right.append(Piece("add", new))
    return result


def _text(item: Item | None, name: str) -> str:
    if item is None:
        return ""
    value = getattr(item, name)
    if name == "alt_questions":
        return "\n".join(value or [])
    shown = display(value, name)
    return "" if shown == "（空）" else shown


def change_of(db: Session, item: Item) -> Change | None:
    """The change a draft or submitted revision makes; None for other revisions."""
    if item.status not in (Status.DRAFT, Status.REVIEW):
        return None
    earlier = db.scalars(
        select(Item).where(Item.external_id == item.external_id, Item.id != item.id,
                           Item.version < item.version)
        .order_by(Item.version.desc())
    ).all()
    live = next((i for i in earlier if i.status == Status.PUBLISHED
                 and i.version_label == item.version_label), None)
    base = live or (earlier[0] if earlier else None)
    if live is not None:
        label = "修订（线上版本继续服务）"
    elif base is not None:
        label = f"修改（对比第 {base.version} 版）"
    else:
        label = "新建"
    fields = [field_diff(name, _text(base, name), _text(item, name)) for name in COMPARED
              if _text(base, name) != _text(item, name)]
    return Change(label=label, base=base, fields=fields)
