"""Baseline: the schema of the last release without migrations (commit 9046863), written out.

Revision ID: 0001
Revises:
Create Date: 2026-12-08

Releases before migrations created their tables with ``create_all`` (the WeChat ones
only when the app started) and left no ``alembic_version``. On such a database this
revision adopts what is there: it creates only the tables that are missing and drops
the columns those releases created that nothing may read any more. On an empty
database it creates everything.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# Columns of earlier releases that nothing reads any more, by table. An old NOT NULL
# column without a default would make every insert fail, so it goes.
RETIRED_COLUMNS = {"departments": ("skip_review",)}  # issue 14: review is never skipped


def _moment(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _id() -> sa.Column:
    return sa.Column("id", sa.Integer(), primary_key=True)


def upgrade() -> None:
    existing = set(sa.inspect(op.get_bind()).get_table_names())

    def table(name: str, *elements: sa.SchemaItem, indexes: tuple[str, ...] = ()) -> None:
        """Create table ``name`` with an index on each column in ``indexes``, unless a
        release before migrations created it already."""
        if name in existing:
            return
        op.create_table(name, *elements)
        for column in indexes:
            op.create_index(f"ix_{name}_{column}", name, [column])

    # Knowledge base.
    table(
        "kb_items",
        _id(),
        sa.Column("external_id", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("title", sa.String(500), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("question", sa.Text()),
        sa.Column("alt_questions", sa.JSON(), nullable=False),
        sa.Column("department", sa.String(200)),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("source_title", sa.String(500)),
        sa.Column("url", sa.String(1000)),
        sa.Column("issuer", sa.String(200)),
        sa.Column("doc_number", sa.String(200)),
        sa.Column("region", sa.String(100)),
        sa.Column("version_label", sa.String(50)),
        sa.Column("published_on", sa.Date()),
        sa.Column("effective_on", sa.Date()),
        sa.Column("expires_on", sa.Date()),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("content_hash", sa.String(64)),
        sa.Column("supersedes_id", sa.Integer(), sa.ForeignKey("kb_items.id")),
        sa.Column("author", sa.String(100)),
        sa.Column("reviewer", sa.String(100)),
        sa.Column("review_comment", sa.Text()),
        _moment("created_at"),
        _moment("updated_at"),
        _moment("submitted_at", nullable=True),
        _moment("published_at", nullable=True),
        sa.UniqueConstraint("external_id", "version", name="uq_item_revision"),
        indexes=("department", "external_id", "kind", "status"),
    )
    table(
        "kb_chunks",
        _id(),
        sa.Column("item_id", sa.Integer(), sa.ForeignKey("kb_items.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("ordinal", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("locator", sa.String(200), nullable=False),
        sa.Column("context", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("start", sa.Integer()),
        sa.Column("end", sa.Integer()),
        indexes=("item_id",),
    )
    table(
        "audit_log",
        _id(),
        _moment("at"),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("external_id", sa.String(200)),
        sa.Column("item_id", sa.Integer()),
        sa.Column("version", sa.Integer()),
        sa.Column("comment", sa.Text()),
        sa.Column("detail", sa.JSON(), nullable=False),
        indexes=("action", "at", "external_id"),
    )

    # Staff, departments, conversations, handoffs, query logs.
    table(
        "users",
        _id(),
        sa.Column("username", sa.String(100), nullable=False, unique=True),
        sa.Column("display_name", sa.String(100), nullable=False),
        sa.Column("password_hash", sa.String(300), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("department", sa.String(50)),
        sa.Column("active", sa.Boolean(), nullable=False),
        _moment("created_at"),
        _moment("last_login_at", nullable=True),
    )
    table(
        "departments",
        _id(),
        sa.Column("code", sa.String(50), nullable=False, unique=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("keywords", sa.JSON(), nullable=False),
        sa.Column("first_response_minutes", sa.Integer(), nullable=False),
        sa.Column("resolution_minutes", sa.Integer(), nullable=False),
        sa.Column("service_hours", sa.JSON(), nullable=False),
    )
    table(
        "conversations",
        _id(),
        sa.Column("session_id", sa.String(64), nullable=False, unique=True),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("citizen_ref", sa.String(128)),
        sa.Column("handoff_state", sa.String(16), nullable=False),
        _moment("created_at"),
        _moment("updated_at"),
        indexes=("citizen_ref", "handoff_state"),
    )
    table(
        "messages",
        _id(),
        sa.Column("conversation_id", sa.Integer(), sa.ForeignKey("conversations.id"),
                  nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("decision", sa.String(16)),
        sa.Column("confidence", sa.Float()),
        sa.Column("author", sa.String(100)),
        _moment("created_at"),
        indexes=("conversation_id",),
    )
    table(
        "handoffs",
        _id(),
        sa.Column("conversation_id", sa.Integer(), sa.ForeignKey("conversations.id"),
                  nullable=False),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("department", sa.String(50)),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("last_query", sa.Text()),
        sa.Column("bot_context", sa.JSON(), nullable=False),
        _moment("created_at"),
        sa.Column("claimed_by", sa.String(100)),
        _moment("claimed_at", nullable=True),
        _moment("first_response_at", nullable=True),
        _moment("resolved_at", nullable=True),
        _moment("escalated_at", nullable=True),
        sa.Column("rating", sa.Integer()),
        sa.Column("rating_comment", sa.Text()),
        indexes=("conversation_id", "department", "state"),
    )
    table(
        "handoff_events",
        _id(),
        sa.Column("handoff_id", sa.Integer(), sa.ForeignKey("handoffs.id"), nullable=False),
        _moment("at"),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        indexes=("handoff_id",),
    )
    table(
        "pending_resumes",
        _id(),
        sa.Column("session_id", sa.String(64), nullable=False),
        sa.Column("handoff_id", sa.Integer(), sa.ForeignKey("handoffs.id"), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text()),
        _moment("created_at"),
        indexes=("session_id",),
    )
    table(
        "query_log",
        _id(),
        _moment("created_at"),
        sa.Column("session_id", sa.String(64)),
        sa.Column("query", sa.Text(), nullable=False),
        sa.Column("decision", sa.String(16), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("top_source_id", sa.String(200)),
        sa.Column("helpful", sa.Boolean()),
        sa.Column("handed_off", sa.Boolean(), nullable=False),
        indexes=("created_at", "decision", "session_id"),
    )
    table(
        "gap_dismissals",
        _id(),
        _moment("at"),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("questions", sa.JSON(), nullable=False),
    )
    table(
        "canned_replies",
        _id(),
        sa.Column("title", sa.String(100), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("department", sa.String(50)),
    )
    table(
        "login_throttles",
        sa.Column("username", sa.String(100), primary_key=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.Float(), nullable=False),
    )

    # WeChat: pushed messages, deliveries, subscription consent and notices, nonces.
    table(
        "wechat_inbound",
        _id(),
        sa.Column("msg_key", sa.String(128), nullable=False, unique=True),
        sa.Column("openid", sa.String(128), nullable=False),
        sa.Column("msg_type", sa.String(20), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("event", sa.String(64), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("error", sa.Text()),
        _moment("received_at"),
        _moment("finished_at", nullable=True),
        indexes=("openid", "state"),
    )
    table(
        "wechat_outbound",
        _id(),
        sa.Column("message_id", sa.Integer(), nullable=False, unique=True),
        sa.Column("openid", sa.String(128), nullable=False),
        sa.Column("parts", sa.JSON(), nullable=False),
        sa.Column("sent_parts", sa.Integer(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("error", sa.Text()),
        _moment("created_at"),
        _moment("finished_at", nullable=True),
        indexes=("openid", "state"),
    )
    table(
        "wechat_consent",
        _id(),
        sa.Column("openid", sa.String(128), nullable=False),
        sa.Column("template_id", sa.String(128), nullable=False),
        sa.Column("credits", sa.Integer(), nullable=False),
        _moment("updated_at"),
        sa.UniqueConstraint("openid", "template_id"),
    )
    table(
        "wechat_notice",
        _id(),
        sa.Column("message_id", sa.Integer(), nullable=False, unique=True),
        sa.Column("openid", sa.String(128), nullable=False),
        sa.Column("template_id", sa.String(128), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("errcode", sa.Integer()),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("error", sa.Text()),
        _moment("created_at"),
        _moment("finished_at", nullable=True),
        indexes=("openid", "state"),
    )
    table(
        "wechat_nonces",
        sa.Column("key", sa.String(64), primary_key=True),
        _moment("seen_at"),
        indexes=("seen_at",),
    )

    for name, columns in RETIRED_COLUMNS.items():
        present = {c["name"] for c in sa.inspect(op.get_bind()).get_columns(name)}
        retired = [column for column in columns if column in present]
        if retired:
            with op.batch_alter_table(name) as batch:
                for column in retired:
                    batch.drop_column(column)


# Children before the tables they refer to.
TABLES = (
    "wechat_nonces", "wechat_notice", "wechat_consent", "wechat_outbound", "wechat_inbound",
    "login_throttles", "canned_replies", "gap_dismissals", "query_log", "pending_resumes",
    "handoff_events", "handoffs", "messages", "conversations", "departments", "users",
    "audit_log", "kb_chunks", "kb_items",
)


def downgrade() -> None:
    for name in TABLES:
        op.drop_table(name)
