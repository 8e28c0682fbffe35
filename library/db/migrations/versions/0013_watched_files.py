"""watched files

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 10:00:00

The files hot folders (`photodesk watch`) queued for ingest, with the size and
modification time they had then, so a restarted watcher neither misses nor
repeats a file. Starts empty.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "watched_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("mtime_ns", sa.BigInteger(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=True),
        sa.Column("queued_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["job_id"], ["jobs.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("path", name="uq_watched_files_path"),
    )
    with op.batch_alter_table("watched_files", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_watched_files_job_id"), ["job_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("watched_files", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_watched_files_job_id"))
    op.drop_table("watched_files")
