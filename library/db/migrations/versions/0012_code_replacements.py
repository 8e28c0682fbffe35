"""code replacements

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 10:00:00

The desk's code replacements ("=rf" → "Reza Farahzadi") live in the catalog,
so every gallery process and the command line expand the same list.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "code_replacements",
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("updated_by", sa.String(length=80), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("code"),
    )


def downgrade() -> None:
    op.drop_table("code_replacements")
