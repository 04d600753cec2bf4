"""Rasa resumes are outbox jobs: a state, a backoff moment and when they finished.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-08

``pending_resumes`` rows used to be deleted once sent and retried on every watch pass.
They are now jobs of ``core.outbox`` (as WeChat sends are): kept as ``done``, backed off
after a failure (``not_before``), and taken over after a lease when a worker died.
Existing rows are pending resumes, so they start as ``pending``.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("pending_resumes") as batch:
        batch.add_column(
            sa.Column("state", sa.String(16), nullable=False, server_default="pending")
        )
        batch.add_column(sa.Column("not_before", sa.DateTime(timezone=True)))
        batch.add_column(sa.Column("finished_at", sa.DateTime(timezone=True)))
        batch.create_index("ix_pending_resumes_state", ["state"])


def downgrade() -> None:
    op.execute("DELETE FROM pending_resumes WHERE state <> 'pending'")
    with op.batch_alter_table("pending_resumes") as batch:
        batch.drop_index("ix_pending_resumes_state")
        batch.drop_column("finished_at")
        batch.drop_column("not_before")
        batch.drop_column("state")
