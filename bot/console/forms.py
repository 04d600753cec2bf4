"""Reading staff form input into item content, with Chinese messages for bad values."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date

from werkzeug.datastructures import MultiDict

from core.organisation import code_of
from knowledge_base.formats.faq import split_tags
from knowledge_base.models import Kind
from knowledge_base.records import ItemData
from knowledge_base.urls import UnsafeUrl, source_url

MAX_FIELD_CHARS = 20_000


class FormError(ValueError):
    """Bad form input; the message is shown above the form, which keeps what was typed."""


def text(form: MultiDict[str, str], name: str, label: str, required: bool = False) -> str:
    value = form.get(name, "").strip()
    if required and not value:
        raise FormError(f"请填写{label}。")
    if len(value) > MAX_FIELD_CHARS:
        raise FormError(f"{label}过长（最多 {MAX_FIELD_CHARS} 个字符）。")
    return value


def url(form: MultiDict[str, str], name: str = "url", label: str = "官方链接") -> str | None:
    """A source link: http(s) only (the rule of `knowledge_base.urls`)."""
    try:
        return source_url(text(form, name, label), label)
    except UnsafeUrl as exc:
        raise FormError(str(exc)) from None


def optional_date(form: MultiDict[str, str], name: str, label: str) -> date | None:
    value = form.get(name, "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise FormError(f"{label}不是有效日期（格式：2025-01-31）。") from exc


def department(form: MultiDict[str, str], known: Mapping[str, str]) -> str | None:
    """The code of the chosen department (``known``: every way to write one → its code)."""
    value = text(form, "department", "部门")
    try:
        return code_of(value, known) if value else None
    except ValueError as exc:
        raise FormError(str(exc)) from None


def lines(value: str) -> list[str]:
    """One entry per line, blanks and repeats dropped, order kept."""
    return list(dict.fromkeys(line.strip() for line in value.splitlines() if line.strip()))


def dates(form: MultiDict[str, str]) -> tuple[date | None, date | None]:
    """Effective and expiry dates; expiry must come after the effective date."""
    effective = optional_date(form, "effective_on", "生效日期")
    expires = optional_date(form, "expires_on", "失效日期")
    if effective and expires and expires <= effective:
        raise FormError("失效日期必须晚于生效日期。")
    return effective, expires


def faq_data(form: MultiDict[str, str], external_id: str | None,
             departments: Mapping[str, str]) -> ItemData:
    """A FAQ entry from the edit form; a new entry gets a fresh id."""
    question = text(form, "question", "标准问题", required=True)
    effective, expires = dates(form)
    return ItemData(
        external_id=external_id or f"faq-{uuid.uuid4().hex[:12]}",
        kind=Kind.FAQ,
        title=question,
        question=question,
        alt_questions=[q for q in lines(text(form, "alt_questions", "相似问法")) if q != question],
        body=text(form, "body", "答案", required=True),
        department=department(form, departments),
        tags=split_tags(text(form, "tags", "标签")),
        source_title=text(form, "source_title", "依据来源") or None,
        url=url(form),
        version_label=text(form, "version_label", "版本") or None,
        effective_on=effective,
        expires_on=expires,
    )
