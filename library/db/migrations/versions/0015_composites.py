"""composites

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-29 08:00:00

The pictures found inside composites (collages, page screenshots) with their
signals, and the "contains" links from a composite to the photos it shows. A
composite is listed in the group of each photo it shows, so a photo may now have
several rows in ``duplicate_members`` (one per group): the primary key becomes
(asset_id, group_id). Photos ingested before this keep no regions until they are
ingested again.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "asset_regions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("asset_id", sa.Integer(), nullable=False),
        sa.Column("left", sa.Float(), nullable=False),
        sa.Column("top", sa.Float(), nullable=False),
        sa.Column("right", sa.Float(), nullable=False),
        sa.Column("bottom", sa.Float(), nullable=False),
        sa.Column("signals", sa.JSON(), nullable=False),
        sa.Column("fingerprint", sa.LargeBinary(), nullable=False),
        sa.Column("version", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(["asset_id"], ["assets.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("asset_regions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_asset_regions_asset_id"), ["asset_id"], unique=False)
    op.create_table(
        "contained_photos",
        sa.Column("composite_id", sa.Integer(), nullable=False),
        sa.Column("photo_id", sa.Integer(), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("method", sa.String(length=40), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["composite_id"], ["assets.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["photo_id"], ["assets.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["region_id"], ["asset_regions.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("composite_id", "photo_id"),
    )
    with op.batch_alter_table("contained_photos", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_contained_photos_photo_id"), ["photo_id"], unique=False
        )
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint("duplicate_members_pkey", "duplicate_members", type_="primary")
        op.create_primary_key(
            "duplicate_members_pkey", "duplicate_members", ["asset_id", "group_id"]
        )
    else:
        _move_members(["asset_id", "group_id"])
    with op.batch_alter_table("duplicate_members", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_duplicate_members_asset_id"), ["asset_id"], unique=False
        )


def _move_members(key: list[str]) -> None:
    """SQLite cannot change a primary key: copy the rows into a table with the new one."""
    op.create_table(
        "duplicate_members_new",
        sa.Column("asset_id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(length=10), nullable=False),
        sa.Column("distance", sa.Integer(), nullable=True),
        sa.Column("why", sa.Text(), nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(["asset_id"], ["assets.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["group_id"], ["duplicate_groups.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint(*key),
    )
    op.execute(
        "INSERT INTO duplicate_members_new (asset_id, group_id, position, level, distance, why,"
        " score) SELECT asset_id, group_id, position, level, distance, why, score"
        " FROM duplicate_members"
    )
    op.drop_index("ix_duplicate_members_group_id", table_name="duplicate_members")
    op.drop_table("duplicate_members")
    op.rename_table("duplicate_members_new", "duplicate_members")
    op.create_index("ix_duplicate_members_group_id", "duplicate_members", ["group_id"])


def downgrade() -> None:
    # Composites leave the groups of the photos they show; each photo keeps one row.
    op.execute("DELETE FROM duplicate_members WHERE level = 'contains'")
    with op.batch_alter_table("duplicate_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_duplicate_members_asset_id"))
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint("duplicate_members_pkey", "duplicate_members", type_="primary")
        op.create_primary_key("duplicate_members_pkey", "duplicate_members", ["asset_id"])
    else:
        _move_members(["asset_id"])
    with op.batch_alter_table("contained_photos", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contained_photos_photo_id"))
    op.drop_table("contained_photos")
    with op.batch_alter_table("asset_regions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_asset_regions_asset_id"))
    op.drop_table("asset_regions")
