"""finding resolutions

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29 01:00:00

Auditors resolve reuse-audit findings (fixed, accepted, wrong); each verdict
is kept with who gave it and when.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "finding_resolutions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("change_id", sa.Integer(), nullable=True),
        sa.Column("user", sa.String(length=80), nullable=False),
        sa.Column("resolved_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["change_id"], ["changes.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("finding_resolutions") as batch:
        batch.create_index(batch.f("ix_finding_resolutions_key"), ["key"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("finding_resolutions") as batch:
        batch.drop_index(batch.f("ix_finding_resolutions_key"))
    op.drop_table("finding_resolutions")
