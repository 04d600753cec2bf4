"""The audit log (三审三校): who changed what, when, with a readable diff; filter and export."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

from flask import Response, render_template, request
from sqlalchemy import Select, select

from bot.auth import role_required
from bot.console.blueprint import CURATORS, bp
from bot.db import get_db
from bot.localtime import local_midnight
from knowledge_base.formats.cells import neutralise_row
from knowledge_base.models import AuditEntry

PAGE_SIZE = 100
EXPORT_COLUMNS = ("at", "actor", "action", "external_id", "item_id", "version", "comment", "detail")


def _filtered() -> Select[AuditEntry]:
    """Entries matching the request's filters: actor, action, item id, date range."""
    query = select(AuditEntry)
    args = request.args
    if args.get("actor"):
        query = query.where(AuditEntry.actor == args["actor"].strip())
    if args.get("action"):
        query = query.where(AuditEntry.action == args["action"].strip())
    if args.get("external_id"):
        query = query.where(AuditEntry.external_id == args["external_id"].strip())
    for name, compare in (("since", AuditEntry.at.__ge__), ("until", AuditEntry.at.__lt__)):
        try:
            day = date.fromisoformat(args.get(name, ""))
        except ValueError:
            continue
        query = query.where(compare(local_midnight(day + timedelta(days=1) if name == "until" else day)))
    return query.order_by(AuditEntry.id.desc())


@bp.route("/audit")
@role_required(*CURATORS)
def audit_log():
    page = max(1, request.args.get("page", 1, type=int) or 1)
    entries = get_db().scalars(_filtered().offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)).all()
    actions = get_db().scalars(select(AuditEntry.action).distinct().order_by(AuditEntry.action))
    args = {k: v for k, v in request.args.items() if v and k != "page"}
    return render_template("console/audit.html", entries=entries[:PAGE_SIZE], page=page,
                           more=len(entries) > PAGE_SIZE, args=args, actions=list(actions))


def _record(entry: AuditEntry) -> dict[str, Any]:
    return {
        "at": entry.at.isoformat(), "actor": entry.actor, "action": entry.action,
        "external_id": entry.external_id, "item_id": entry.item_id, "version": entry.version,
        "comment": entry.comment, "detail": entry.detail,
    }


def _jsonl(entries: Iterator[AuditEntry]) -> Iterator[str]:
    for entry in entries:
        yield json.dumps(_record(entry), ensure_ascii=False) + "\n"


def _csv(entries: Iterator[AuditEntry]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=EXPORT_COLUMNS)
    buffer.write("\ufeff")  # Excel opens UTF-8 Chinese text only with a BOM
    writer.writeheader()
    for entry in entries:
        record = _record(entry)
        record["detail"] = json.dumps(record["detail"], ensure_ascii=False)
        writer.writerow(neutralise_row(record))
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()


@bp.route("/audit/export.<fmt>")
@role_required(*CURATORS)
def audit_export(fmt: str):
    if fmt not in ("csv", "jsonl"):
        return Response("不支持的导出格式（可选 csv、jsonl）。", status=404)
    entries = iter(get_db().scalars(_filtered().order_by(None).order_by(AuditEntry.id)).all())
    body, mimetype = (_csv(entries), "text/csv") if fmt == "csv" else (_jsonl(entries), "application/x-ndjson")
    return Response(
        body, mimetype=f"{mimetype}; charset=utf-8",
        headers={"Content-Disposition": f"attachment; filename=audit-log.{fmt}"},
    )
