"""`flask --app bot kb ...`: knowledge-base administration."""

from __future__ import annotations

import json
import time
from collections import Counter
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.db import session_scope
from knowledge_base import store
from knowledge_base.formats.faq import FORMATS, write_faqs
from knowledge_base.importer import KIND_NAMES, import_path
from knowledge_base.models import Chunk, Item, Kind, Status
from knowledge_base.records import BadImportFile
from knowledge_base.terms import DEFAULT_USERDICT, policy_terms, write_userdict
from knowledge_base.versions import in_force

ACTOR = "cli"


@click.group(cls=AppGroup)
def kb() -> None:
    """Import, publish, export and search the knowledge base."""


def _session():
    return session_scope(current_app.extensions["wenzheng.sessions"])


@kb.command("import")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--kind", type=click.Choice(sorted(KIND_NAMES)), help="默认按文件判断")
@click.option("--publish", is_flag=True, help="导入后直接发布")
def import_command(path: Path, kind: str | None, publish: bool) -> None:
    """Import a file or folder (FAQ, policy documents, service guides)."""
    started = time.perf_counter()
    try:
        with _session() as session:
            report = import_path(session, path, ACTOR, kind=kind, publish=publish)
    except BadImportFile as error:
        raise click.ClickException(f"{error}。未导入任何内容。") from None
    click.echo(f"导入完成，{report.summary()}，用时 {time.perf_counter() - started:.1f} 秒。")


@kb.command("publish")
@click.argument("ids", nargs=-1)
@click.option("--all-drafts", is_flag=True, help="发布所有草稿和待审内容")
@click.option("--comment", help="发布说明（记入审计日志）")
def publish_command(ids: tuple[str, ...], all_drafts: bool, comment: str | None) -> None:
    """Publish the newest unpublished revision of the given external ids."""
    if not ids and not all_drafts:
        raise click.UsageError("请给出要发布的编号，或使用 --all-drafts。")
    with _session() as session:
        pending = [item for item in store.latest_revisions(session)
                   if item.status in (Status.DRAFT, Status.REVIEW)
                   and (all_drafts or item.external_id in ids)]
        unknown = sorted(set(ids) - {item.external_id for item in pending})
        if unknown:
            raise click.ClickException(f"没有可发布的草稿：{'、'.join(unknown)}。未发布任何内容。")
        for item in pending:
            store.publish(session, item, ACTOR, comment)
    click.echo(f"已发布 {len(pending)} 条。")


@kb.command("export")
@click.option("--kind", type=click.Choice(["faq"]), default="faq", show_default=True)
@click.option("--format", "fmt", type=click.Choice(FORMATS), help="默认按输出文件扩展名")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
def export_command(kind: str, fmt: str | None, out: Path) -> None:
    """Export the current FAQ entries (newest revision, retired ones left out)."""
    fmt = fmt or out.suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        raise click.UsageError(f"无法从文件名判断格式，请用 --format 指定（{'、'.join(FORMATS)}）。")
    with _session() as session:
        items = [item for item in store.latest_revisions(session, KIND_NAMES[kind])
                 if item.status != Status.RETIRED]
        count = write_faqs(items, out, fmt)
    click.echo(f"已导出 {count} 条到 {out}。")


@kb.command("stats")
def stats_command() -> None:
    """Counts of items by kind and status, chunks, and what is in force today."""
    with _session() as session:
        click.echo(_stats_text(session))


def _stats_text(session: Session) -> str:
    counts = {(kind, status): n for kind, status, n in session.execute(
        select(Item.kind, Item.status, func.count()).group_by(Item.kind, Item.status))}
    live = in_force(session)
    live_kinds = Counter(item.kind for item in live)
    chunks = session.scalar(select(func.count()).select_from(Chunk)) or 0
    labels = {Kind.FAQ: "常见问题", Kind.DOCUMENT: "政策文件", Kind.GUIDE: "办事指南"}
    lines = ["类型        草稿  待审  已发布  已下线  现行有效"]
    for kind, label in labels.items():
        row = [counts.get((kind.value, status.value), 0) for status in Status]
        lines.append(f"{label:<8}" + "".join(f"{n:>6}" for n in row) + f"{live_kinds[kind]:>8}")
    lines.append(f"分块总数：{chunks}；现行有效的条目分块：{sum(len(i.chunks) for i in live)}")
    return "\n".join(lines)


@kb.command("reindex")
def reindex_command() -> None:
    """Rebuild the search index from what is in force now (waits until done)."""
    started = time.perf_counter()
    generation = current_app.extensions["wenzheng.retrieval"].rebuild(wait=True)
    click.echo(f"索引已重建：第 {generation} 代，用时 {time.perf_counter() - started:.1f} 秒。")


@kb.command("search")
@click.argument("query")
@click.option("--top-k", default=5, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="输出 /api/v1/search 的 JSON")
def search_command(query: str, top_k: int, as_json: bool) -> None:
    """Search the live index like the answer engine does."""
    body = current_app.extensions["wenzheng.retrieval"].search(query, top_k=top_k)
    if as_json:
        click.echo(json.dumps(body, ensure_ascii=False, indent=2))
        return
    for n, hit in enumerate(body.get("results", []), start=1):
        click.echo(f"{n}. {hit.get('title')} {hit.get('locator', '')}  {hit.get('score', '')}")
        click.echo(f"   {str(hit.get('snippet') or hit.get('text') or '')[:120]}")


@kb.command("userdict")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              default=DEFAULT_USERDICT, show_default=True)
def userdict_command(out: Path) -> None:
    """Write the policy-term dictionary for jieba (`word freq tag` lines)."""
    with _session() as session:
        terms = policy_terms(session)
    write_userdict(terms, out)
    click.echo(f"已写入 {len(terms)} 个词到 {out}。")
