"""article title index

Revision ID: 0021
Revises: 0020
Create Date: 2026-11-29 20:20:00

``article:`` finds the photos of the articles whose title contains the words
asked. At 10^7 photos (625,000 articles) that was a scan of every title, then
one usage row read from the table per article found: 0.6 s a page for a title
fragment in 11,111 articles.

* On PostgreSQL, a trigram index of the lowered titles (``pg_trgm``) answers
  ``lower(title) LIKE '%…%'`` for any fragment of three or more characters.
  ``pg_trgm`` ships with PostgreSQL and is a trusted extension (a database
  owner may create it); where it cannot be created, the index is left out
  and titles are scanned as before.
* On both databases, the usages' article index gains the photo id, so the
  photos of an article are read from the index alone.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")


def upgrade() -> None:
    op.create_index("ix_usages_article_asset", "usages", ["article_id", "asset_id"])
    op.drop_index("ix_usages_article_id", table_name="usages")
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    try:
        with bind.begin_nested():
            bind.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except sa.exc.DBAPIError as exc:
        log.warning("pg_trgm not available, article titles stay unindexed: %s", exc.orig)
        return
    op.execute(
        "CREATE INDEX ix_articles_title_trigrams ON articles USING gin (lower(title) gin_trgm_ops)"
    )
    # Without statistics the planner takes a title fragment to match a few dozen
    # articles and looks each usage's photo up alone: 0.19 s a page at 10^7 photos
    # where, with them, it walks the photos newest first (0.11 s).
    op.execute("ANALYZE articles")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_articles_title_trigrams")
    op.create_index("ix_usages_article_id", "usages", ["article_id"])
    op.drop_index("ix_usages_article_asset", table_name="usages")
