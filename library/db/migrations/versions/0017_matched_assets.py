"""matched assets

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-29 13:40:00

The matcher generation in which each photo was last matched. `check` reads its
candidates from a saved signal index (memory-mapped files in the library folder)
built at some generation; the photos matched after it, with the backlog, are the
ones it may hold stale or lack, and this table finds them with one indexed range.
Photos matched before this revision have no row: any saved index is built after it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "matched_assets",
        sa.Column("asset_id", sa.Integer(), nullable=False),
        sa.Column("generation", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["asset_id"], ["assets.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("asset_id"),
    )
    with op.batch_alter_table("matched_assets", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_matched_assets_generation"), ["generation"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("matched_assets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_matched_assets_generation"))
    op.drop_table("matched_assets")
