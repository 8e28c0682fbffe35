"""reused photos index

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-29 21:00:00

The photos published in two or more articles, by id (``ix_asset_search_stats_reused``,
a partial index). "Used in 3+ articles", newest first, walked the usage counts of
every photo backwards by id and kept about one in a thousand: 420,000 rows a
page at 10^7 photos (0.2 s). Reused photos are a small share of any archive
(45,000 of 10^7 in the benchmark catalog), so the index stays small, and the
walk reads only them. `queries._used` writes the index's condition into the
SQL so that the planner can use it whatever number was asked.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    reused = sa.text("article_count >= 2")
    op.create_index(
        "ix_asset_search_stats_reused",
        "asset_search_stats",
        ["asset_id", "article_count"],
        postgresql_where=reused,
        sqlite_where=reused,
    )


def downgrade() -> None:
    op.drop_index("ix_asset_search_stats_reused", table_name="asset_search_stats")
