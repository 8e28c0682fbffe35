"""duplicate pairs

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 18:45:00

Verified near-duplicate pairs, written at ingest and by `photodesk dupes --rescan`.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "duplicate_pairs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("asset_a", sa.Integer(), nullable=False),
        sa.Column("asset_b", sa.Integer(), nullable=False),
        sa.Column("signal", sa.String(length=64), nullable=False),
        sa.Column("distance", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("method", sa.String(length=40), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("signals_version", sa.String(length=32), nullable=False),
        sa.Column("found_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["asset_a"], ["assets.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["asset_b"], ["assets.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("asset_a", "asset_b", name="uq_duplicate_pairs_pair"),
    )
    with op.batch_alter_table("duplicate_pairs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_duplicate_pairs_asset_a"), ["asset_a"], unique=False)
        batch_op.create_index(batch_op.f("ix_duplicate_pairs_asset_b"), ["asset_b"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("duplicate_pairs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_duplicate_pairs_asset_b"))
        batch_op.drop_index(batch_op.f("ix_duplicate_pairs_asset_a"))
    op.drop_table("duplicate_pairs")
