"""search index

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 19:00:00

The full-text index is dialect-specific (FTS5 on SQLite, a tsvector with a
GIN index on PostgreSQL), so it is created here and not mapped by the ORM;
library/search.py reads and writes it. An existing library is indexed by
migration 0009, which recreates the index with stemming.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.create_table(
            "asset_search",
            sa.Column("asset_id", sa.Integer(), nullable=False),
            sa.Column("document", postgresql.TSVECTOR(), nullable=False),
            sa.ForeignKeyConstraint(["asset_id"], ["assets.id"], ondelete="CASCADE"),
            sa.PrimaryKeyConstraint("asset_id"),
        )
        op.create_index(
            "ix_asset_search_document", "asset_search", ["document"], postgresql_using="gin"
        )
    else:
        # Columns match library.search.SEARCH_FIELDS; prefix indexes make "teh*" cheap.
        op.execute(
            "CREATE VIRTUAL TABLE asset_search USING fts5("
            "caption, headline, title, alt_text, credit, creator, source, keywords, published, "
            "tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3 4')"
        )
    op.create_table(
        "asset_search_stats",
        sa.Column("asset_id", sa.Integer(), nullable=False),
        sa.Column("article_count", sa.Integer(), nullable=False, server_default="0"),
        sa.ForeignKeyConstraint(["asset_id"], ["assets.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("asset_id"),
    )
    op.create_index(
        "ix_asset_search_stats_count", "asset_search_stats", ["article_count", "asset_id"]
    )

    # The index is filled by 0009, which recreates it with stemming: today's
    # indexer writes with 0009's PostgreSQL configuration, which does not exist yet.


def downgrade() -> None:
    op.drop_index("ix_asset_search_stats_count", table_name="asset_search_stats")
    op.drop_table("asset_search_stats")
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_asset_search_document", table_name="asset_search")
        op.drop_table("asset_search")
    else:
        op.execute("DROP TABLE asset_search")
