"""Schema migrations: a database of the previous release keeps every row when the current
code upgrades it, the newest revision matches the models, and processes starting at once
on one database do not trip over each other. Each test runs on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import Engine, inspect, select, text
from sqlalchemy.orm import Session

from bot.config import PROJECT_ROOT
from bot.models import Conversation, Handoff, User
from core.db import make_engine, make_session_factory
from core.migrate import config, current, exclusive, head, upgrade
from core.organisation import Department
from knowledge_base.versions import in_force

PREVIOUS_RELEASE = "9046863"  # the last release whose schema came from create_all alone
RELEASE_PACKAGES = ("bot", "knowledge_base", "retrieval", "generation", "nlu_components", "wire")

# Runs inside the previous release's source tree: its app creates the schema as it did
# then (WeChat tables included), and its models write what a running site holds.
SEED_WITH_PREVIOUS_RELEASE = """
import sys
from datetime import date, timedelta

from bot import create_app
from bot.models import Conversation, Department, Handoff, HandoffEvent, Message, QueryLog, User
from bot.wechat.models import WeChatInbound
from knowledge_base.db import utcnow
from knowledge_base.models import AuditEntry, Chunk, Item

secret = "previous-release-secret-of-the-upgrade-test"
app = create_app({"DATABASE_URL": sys.argv[1], "HOME": sys.argv[2], "SECRET_KEY": secret,
                  "INTERNAL_TOKEN": secret, "RASA_TOKEN": secret})
now = utcnow()
with app.extensions["wenzheng.sessions"]() as db:
    common = dict(external_id="faq-shebao-card", kind="faq", question="社保卡丢了怎么办",
                  alt_questions=["社保卡补办"], department="社保", tags=["社保"])
    old = Item(version=1, status="retired", title="社保卡挂失", body="拨打热线挂失。", **common)
    new = Item(version=2, status="published", title="社保卡挂失与补办",
               body="拨打 12333 挂失，再到网点补办。", effective_on=date.today() - timedelta(days=30),
               published_at=now, **common)
    new.chunks = [Chunk(ordinal=0, role="question", text="社保卡丢了怎么办"),
                  Chunk(ordinal=1, role="answer", text="拨打 12333 挂失，再到网点补办。", start=0, end=17)]
    db.add_all([old, new])
    db.flush()
    new.supersedes_id = old.id
    db.add(AuditEntry(actor="reviewer", action="publish", external_id=new.external_id,
                      item_id=new.id, version=2, detail={"changes": {"title": {"before": "社保卡挂失",
                                                                                "after": new.title}}}))
    db.add(User(username="zhang.wei", display_name="张伟", password_hash="scrypt:32768:8:1$salt$hash",
                role="operator", department="shebao", last_login_at=now))
    db.add(Department(code="shebao", name="社保", keywords=["社保", "养老"],
                      service_hours={"days": [0, 1, 2, 3, 4], "start": "09:00", "end": "18:00"}))
    conversation = Conversation(session_id="s-legacy", channel="wechat", citizen_ref="openid-1",
                                handoff_state="resolved")
    conversation.messages = [
        Message(role="user", text="社保卡丢了怎么办"),
        Message(role="bot", text="拨打 12333 挂失。", decision="answer", confidence=0.91,
                payload={"citations": [{"source_id": "faq-shebao-card", "title": "社保卡挂失与补办"}]}),
        Message(role="operator", text="已为您登记补办。", author="zhang.wei"),
    ]
    db.add(conversation)
    db.flush()
    handoff = Handoff(conversation_id=conversation.id, reason="user_request", department="shebao",
                      state="resolved", last_query="社保卡丢了怎么办", bot_context={"turns": 2},
                      claimed_by="zhang.wei", claimed_at=now, first_response_at=now, resolved_at=now,
                      rating=5, rating_comment="很快")
    db.add(handoff)
    db.flush()
    db.add(HandoffEvent(handoff_id=handoff.id, actor="zhang.wei", action="resolved", detail={}))
    db.add(QueryLog(session_id="s-legacy", query="社保卡丢了怎么办", decision="answer",
                    confidence=0.91, top_source_id="faq-shebao-card", helpful=True))
    db.add(WeChatInbound(msg_key="msg-1", openid="openid-1", msg_type="text", content="社保卡丢了怎么办",
                         state="done"))
    db.commit()
"""

# Tables the seed above writes to: each must hold rows, or the comparison proves nothing.
SEEDED = ("kb_items", "kb_chunks", "audit_log", "users", "departments", "conversations",
          "messages", "handoffs", "handoff_events", "query_log", "wechat_inbound")


def previous_release_tree(destination: Path) -> Path:
    """The previous release's source (the parts its app imports), from git history."""
    found = subprocess.run(["git", "cat-file", "-e", f"{PREVIOUS_RELEASE}^{{commit}}"],
                           cwd=PROJECT_ROOT, capture_output=True)
    if found.returncode != 0:
        pytest.fail(f"commit {PREVIOUS_RELEASE} (the previous release) is not in this checkout's "
                    "git history; run the tests in a full clone (git clone, not a shallow one)")
    archive = subprocess.run(["git", "archive", PREVIOUS_RELEASE, *RELEASE_PACKAGES],
                             cwd=PROJECT_ROOT, capture_output=True, check=True)
    with tarfile.open(fileobj=BytesIO(archive.stdout)) as tar:
        tar.extractall(destination, filter="data")
    return destination


def snapshot(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table but Alembic's own, in a stable order."""
    with engine.connect() as connection:
        tables = sorted(set(inspect(connection).get_table_names()) - {"alembic_version"})
        return {table: sorted((tuple(row) for row in connection.execute(text(f'SELECT * FROM "{table}"'))),
                              key=repr)
                for table in tables}


def test_a_database_of_the_previous_release_keeps_everything_when_upgraded(
    database_url: str, tmp_path: Path
):
    release = previous_release_tree(tmp_path / "release")
    seeded = subprocess.run(
        [sys.executable, "-c", SEED_WITH_PREVIOUS_RELEASE, database_url, str(tmp_path / "home")],
        cwd=release, env={**os.environ, "PYTHONPATH": str(release)}, capture_output=True, text=True,
    )
    assert seeded.returncode == 0, seeded.stderr[-3000:]
    engine = make_engine(database_url)
    with engine.connect() as connection:
        assert current(connection) is None  # the previous release knew no migrations
    before = snapshot(engine)
    assert all(before[table] for table in SEEDED), {t: len(before[t]) for t in SEEDED}

    with exclusive(engine) as connection:  # adoption by the baseline changes no row
        command.upgrade(config(connection), "0001")
    assert snapshot(engine) == before
    upgrade(engine)  # later revisions may rewrite values, but lose no row

    with engine.connect() as connection:
        assert current(connection) == head()
        command.check(config(connection))  # the upgraded schema is the models' schema
    after = snapshot(engine)
    assert {table: len(after[table]) for table in before} == {
        table: len(rows) for table, rows in before.items()}
    with make_session_factory(engine)() as db:
        assert_readable_and_writable(db)
    engine.dispose()


def assert_readable_and_writable(db: Session) -> None:
    """The current code reads what the previous release wrote, and adds to it."""
    [published] = in_force(db)
    assert (published.external_id, published.version, published.title) == (
        "faq-shebao-card", 2, "社保卡挂失与补办")
    assert [chunk.text for chunk in published.chunks] == ["社保卡丢了怎么办", "拨打 12333 挂失，再到网点补办。"]
    conversation = db.scalars(select(Conversation)).one()
    assert [m.role for m in conversation.messages] == ["user", "bot", "operator"]
    assert conversation.messages[1].payload["citations"][0]["source_id"] == "faq-shebao-card"
    handoff = db.scalars(select(Handoff)).one()
    assert (handoff.conversation.session_id, handoff.rating, handoff.state) == ("s-legacy", 5, "resolved")
    assert db.scalars(select(User.display_name)).one() == "张伟"
    db.add(Department(code="yibao", name="医保"))
    db.commit()
    assert db.scalar(select(Department.name).where(Department.code == "yibao")) == "医保"


def test_the_newest_revision_matches_the_models(database_url: str):
    """A model changed without a migration fails here (`alembic check` against head)."""
    engine = make_engine(database_url)
    upgrade(engine)
    with engine.connect() as connection:
        assert current(connection) == head()
        command.check(config(connection))
    engine.dispose()


STARTING_PROCESS = """
import sys

import bot.schema  # noqa: F401  (imported before the start signal: only the upgrade races)
from core.db import make_engine
from core.migrate import upgrade

print("ready", flush=True)
sys.stdin.readline()
upgrade(make_engine(sys.argv[1]))
"""


def test_processes_starting_together_upgrade_one_database_once(database_url: str):
    processes = [
        subprocess.Popen([sys.executable, "-c", STARTING_PROCESS, database_url], cwd=PROJECT_ROOT,
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True)
        for _ in range(2)
    ]
    try:
        for process in processes:
            assert process.stdout is not None and process.stdout.readline() == "ready\n"
        for process in processes:
            assert process.stdin is not None
            process.stdin.write("go\n")
            process.stdin.flush()
        errors = [process.communicate(timeout=120)[1] for process in processes]
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
    assert [process.returncode for process in processes] == [0, 0], "\n".join(errors)[-3000:]
    engine = make_engine(database_url)
    with engine.connect() as connection:
        assert current(connection) == head()
        assert connection.execute(text("SELECT count(*) FROM alembic_version")).scalar() == 1
    engine.dispose()


def test_flask_db_shows_the_revision(tmp_path: Path):
    from bot import create_app

    app = create_app({"TESTING": True, "HOME": str(tmp_path / "home"), "SECRET_KEY": "test"})
    runner = app.test_cli_runner()
    shown = runner.invoke(args=["db", "current"])
    assert shown.exit_code == 0 and f"数据库结构版本：{head()}（最新）" in shown.output
    upgraded = runner.invoke(args=["db", "upgrade"])
    assert upgraded.exit_code == 0 and head() in upgraded.output


def test_nothing_starts_on_a_database_newer_than_the_code(tmp_path: Path, monkeypatch, capsys):
    """After going back to an older release, the database has a revision this code does not
    know: the app and the supervisor refuse to start rather than run on a schema they
    cannot read."""
    from alembic.util import CommandError

    from bot import create_app, supervisor

    home = tmp_path / "home"
    url = f"sqlite:///{home / 'wenzheng.db'}"
    engine = make_engine(url)
    upgrade(engine)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    with pytest.raises(CommandError, match="9999"):
        create_app({"TESTING": True, "HOME": str(home), "SECRET_KEY": "test"})
    monkeypatch.setenv("WENZHENG_HOME", str(home))
    for name in ("DATABASE_URL", "WENZHENG_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    assert supervisor.main(["--only", "watch"]) == 1
    assert "数据库结构升级失败" in capsys.readouterr().err


def test_a_sqlite_table_rewrite_keeps_the_rows_that_refer_to_it(tmp_path: Path):
    """SQLite changes a column by copying the table and dropping the old one; the chunks
    of an item (ON DELETE CASCADE) and a conversation's messages must outlive that."""
    import sqlalchemy as sa
    from alembic.operations import Operations
    from alembic.runtime.migration import MigrationContext

    engine = make_engine(f"sqlite:///{tmp_path / 'wenzheng.db'}")
    upgrade(engine)
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO kb_items (id, external_id, kind, version, status, title, "
                                "body, alt_questions, tags, fields, created_at, updated_at) VALUES "
                                "(1, 'faq-1', 'faq', 1, 'published', '社保卡', '补办', '[]', '[]', "
                                "'{}', '2026-01-01', '2026-01-01')"))
        connection.execute(text("INSERT INTO kb_chunks (item_id, ordinal, role, locator, context, text)"
                                " VALUES (1, 0, 'answer', '', '', '补办')"))
    with exclusive(engine) as connection:
        operations = Operations(MigrationContext.configure(connection))
        with operations.batch_alter_table("kb_items", recreate="always") as batch:
            batch.alter_column("title", type_=sa.String(600))
    with engine.connect() as connection:
        assert connection.execute(text("SELECT text FROM kb_chunks")).scalars().all() == ["补办"]
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1  # on again
    engine.dispose()


def test_a_sqlite_migration_leaving_a_dangling_reference_is_not_committed(tmp_path: Path):
    from core.migrate import ForeignKeyViolation

    engine = make_engine(f"sqlite:///{tmp_path / 'wenzheng.db'}")
    upgrade(engine)
    with pytest.raises(ForeignKeyViolation), exclusive(engine) as connection:
        connection.execute(text("INSERT INTO kb_chunks (item_id, ordinal, role, locator, context, "
                                "text) VALUES (999, 0, 'answer', '', '', '无主')"))
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM kb_chunks")).scalar() == 0
    engine.dispose()
