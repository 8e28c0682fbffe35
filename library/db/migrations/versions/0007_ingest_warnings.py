"""ingest warnings

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28 22:40:00

Problems that cost a photo some metadata (a broken IPTC dataset, an
unreadable EXIF block) or a few rows (a JPEG that ends early), recorded with
the photo so `photodesk show`, the photo page and `failures --warnings` can
say what was lost. Existing photos have none recorded; ingesting again does
not re-read them.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ingest_warnings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("asset_id", sa.Integer(), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["asset_id"], ["assets.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("ingest_warnings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ingest_warnings_asset_id"), ["asset_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("ingest_warnings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ingest_warnings_asset_id"))
    op.drop_table("ingest_warnings")
