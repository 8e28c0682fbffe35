"""duplicate groups

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 22:00:00

Duplicate groups and their members, stored so pages read one group instead of
rebuilding every group per request. An existing library's groups are built
during the upgrade, so its pages show them at once.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "duplicate_groups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=24), nullable=False),
        sa.Column("level", sa.String(length=10), nullable=False),
        sa.Column("master_id", sa.Integer(), nullable=False),
        sa.Column("master_chosen_by", sa.String(length=80), nullable=True),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["master_id"], ["assets.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    with op.batch_alter_table("duplicate_groups", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_duplicate_groups_level"), ["level"], unique=False)
        batch_op.create_index(
            "ix_duplicate_groups_size_master", ["size", "master_id"], unique=False
        )
    op.create_table(
        "duplicate_members",
        sa.Column("asset_id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(length=10), nullable=False),
        sa.Column("distance", sa.Integer(), nullable=True),
        sa.Column("why", sa.Text(), nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(["asset_id"], ["assets.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["group_id"], ["duplicate_groups.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("asset_id"),
    )
    with op.batch_alter_table("duplicate_members", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_duplicate_members_group_id"), ["group_id"], unique=False
        )

    # Known coupling, as in 0002: this release's builder fills the tables. It
    # reads columns by name (no whole rows), all of which exist since 0003; a
    # later migration that renames one of them must rebuild the groups itself.
    from library.duplicates.membership import rebuild_groups

    session = Session(bind=op.get_bind())
    try:
        # The "contains" links of composites come with 0014, after this.
        rebuild_groups(session, composites=False)
        session.flush()
    finally:
        session.close()


def downgrade() -> None:
    with op.batch_alter_table("duplicate_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_duplicate_members_group_id"))
    op.drop_table("duplicate_members")
    with op.batch_alter_table("duplicate_groups", schema=None) as batch_op:
        batch_op.drop_index("ix_duplicate_groups_size_master")
        batch_op.drop_index(batch_op.f("ix_duplicate_groups_level"))
    op.drop_table("duplicate_groups")
