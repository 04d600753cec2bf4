"""What staff read instead of internal values: display names and the Jinja filters using them.

One place for the Chinese names of audit actions, item fields, chunk roles, answer
decisions and department codes, and for formatting lists, scores and the bot context of a
handoff. ``init_app`` installs the filters on every template of the app.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from typing import Any

from flask import Flask, g, has_request_context
from markupsafe import Markup, escape

from bot.db import get_db
from bot.localtime import localtime
from core.organisation import BUILT_IN_NAMES, names
from knowledge_base.versions import force_label

ACTION_LABELS: dict[str, str] = {
    "create": "新建", "update": "修改", "submit": "提交审核", "approve": "审核通过",
    "reject": "退回修改", "publish": "发布", "retire": "停用", "reopen": "重新打开",
    "rollback": "回滚", "reindex": "更新线上索引", "withdraw": "撤回审核", "delete": "删除草稿",
}
FIELD_LABELS: dict[str, str] = {
    "external_id": "条目编号", "kind": "类型", "title": "标题", "body": "正文",
    "question": "标准问题", "alt_questions": "相似问法", "department": "部门", "tags": "标签",
    "source_title": "依据来源", "url": "官方链接", "issuer": "发文机关", "doc_number": "文号",
    "region": "地区", "version_label": "版本", "published_on": "发布日期",
    "effective_on": "生效日期", "expires_on": "失效日期", "fields": "其他字段", "status": "状态",
    "restored_version": "恢复的版本", "after_generation": "索引代数", "deleted": "删除的内容",
}
CHUNK_ROLE_LABELS: dict[str, str] = {"question": "问题", "answer": "答案", "article": "条文"}
DECISION_LABELS: dict[str, str] = {"answer": "直接回答", "clarify": "请群众澄清", "handoff": "转人工"}
TURN_ROLE_LABELS: dict[str, str] = {"user": "市民", "bot": "智能助手"}
STATUS_VALUE_LABELS: dict[str, str] = {
    "draft": "草稿", "review": "待审核", "published": "已发布", "retired": "已停用",
}


def action_label(action: str | None) -> str:
    return ACTION_LABELS.get(action or "", action or "")


def field_label(name: str) -> str:
    return FIELD_LABELS.get(name, name)


def chunk_role(role: str | None) -> str:
    return CHUNK_ROLE_LABELS.get(role or "", role or "")


def decision_label(decision: str | None) -> str:
    return DECISION_LABELS.get(decision or "", decision or "")


def department_name(code: str | None) -> str:
    """The name of a department code from the organisation (read once per request)."""
    if not code:
        return ""
    if not has_request_context():
        return BUILT_IN_NAMES.get(code, code)
    if "department_names" not in g:
        g.department_names = names(get_db())
    return g.department_names.get(code, code)


def display(value: Any, field: str | None = None) -> str:
    """A stored value as a person reads it: lists joined with 、, statuses and codes named."""
    if value is None or value == "" or value == [] or value == {}:
        return "（空）"
    if isinstance(value, list | tuple):
        return "、".join(display(v) for v in value)
    if isinstance(value, dict):
        return "；".join(f"{field_label(str(k))}：{display(v)}" for k, v in value.items())
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return f"{value:.2f}"
    if field == "status":
        return STATUS_VALUE_LABELS.get(str(value), str(value))
    if field == "department":
        return department_name(str(value))
    return str(value)


def _clock(timestamp: Any) -> str:
    """A Unix timestamp of the bot context as a time in the display zone."""
    if not isinstance(timestamp, int | float) or timestamp <= 0:
        return ""
    return localtime(datetime.fromtimestamp(timestamp, tz=timezone.utc), "%m-%d %H:%M:%S")


def context_turn(turn: Any) -> Markup:
    """One turn of a handoff's bot context: who said what, how sure the bot was."""
    if not isinstance(turn, Mapping):
        return Markup(escape(str(turn)))
    who = TURN_ROLE_LABELS.get(str(turn.get("role", "")), "")
    facts = []
    if turn.get("decision"):
        facts.append(decision_label(str(turn["decision"])))
    if isinstance(turn.get("confidence"), int | float):
        facts.append(f"置信度 {float(turn['confidence']):.2f}")
    when = _clock(turn.get("timestamp"))
    parts = [Markup("<strong>{}</strong>").format(who) if who else "",
             Markup('<span class="muted">{}</span>').format(when) if when else "",
             escape(str(turn.get("text", ""))),
             Markup('<span class="muted">（{}）</span>').format("，".join(facts)) if facts else ""]
    return Markup(" ").join(part for part in parts if part)


def listing(values: Iterable[Any] | None) -> str:
    return "、".join(str(v) for v in values or [])


FILTERS = {
    "action_label": action_label, "field_label": field_label, "chunk_role": chunk_role,
    "decision_label": decision_label, "department_name": department_name, "display": display,
    "context_turn": context_turn, "listing": listing, "force_label": force_label,
}


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(FILTERS)
