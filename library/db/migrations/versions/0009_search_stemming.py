"""search stemming

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-28 22:45:00

"cats" should find "cat". On SQLite the FTS5 table is recreated with the
porter tokenizer over unicode61 (diacritics still removed); on PostgreSQL a
text search configuration ``photodesk`` stems with the English Snowball
stemmer and keeps stop words (so it finds what FTS5 finds), and the caption,
credit and creator are weighted A, B, C so ``credit:nasa`` can ask for one
field, and a second tsvector column holds the keywords alone for
``keyword:`` (FTS5 asks its keywords column). Both indexes are then rebuilt
from the catalog.
"""

from __future__ import annotations

from alembic import op
from sqlalchemy.orm import Session

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_FTS5 = (
    "CREATE VIRTUAL TABLE asset_search USING fts5("
    "caption, headline, title, alt_text, credit, creator, source, keywords, published, "
    "tokenize = '{tokenize}', prefix = '2 3 4')"
)


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("DROP TEXT SEARCH CONFIGURATION IF EXISTS photodesk")
        op.execute("DROP TEXT SEARCH DICTIONARY IF EXISTS photodesk_stem")
        # No StopWords: "the" and "who" stay searchable, as they are in FTS5.
        op.execute(
            "CREATE TEXT SEARCH DICTIONARY photodesk_stem (TEMPLATE = snowball, Language = english)"
        )
        op.execute("CREATE TEXT SEARCH CONFIGURATION photodesk (COPY = english)")
        op.execute(
            "ALTER TEXT SEARCH CONFIGURATION photodesk "
            "ALTER MAPPING REPLACE english_stem WITH photodesk_stem"
        )
        # FTS5 can ask one column (keywords : ...); a tsvector needs its own.
        op.execute("DELETE FROM asset_search")
        op.execute("ALTER TABLE asset_search ADD COLUMN keywords tsvector NOT NULL")
        op.create_index(
            "ix_asset_search_keywords", "asset_search", ["keywords"], postgresql_using="gin"
        )
    else:
        op.execute("DROP TABLE asset_search")
        op.execute(_FTS5.format(tokenize="porter unicode61 remove_diacritics 2"))

    # Known coupling, as in 0002: the indexer of this release fills the index.
    from library.catalog.search import rebuild_index

    session = Session(bind=bind)
    try:
        rebuild_index(session)
        session.flush()
    finally:
        session.close()


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        # 0002's index used 'simple'; rows are rebuilt by re-running 0009 or `reindex`.
        op.execute("DELETE FROM asset_search")
        op.execute("DELETE FROM asset_search_stats")
        op.drop_index("ix_asset_search_keywords", table_name="asset_search")
        op.execute("ALTER TABLE asset_search DROP COLUMN keywords")
        op.execute("DROP TEXT SEARCH CONFIGURATION IF EXISTS photodesk")
        op.execute("DROP TEXT SEARCH DICTIONARY IF EXISTS photodesk_stem")
    else:
        op.execute("DROP TABLE asset_search")
        op.execute(_FTS5.format(tokenize="unicode61 remove_diacritics 2"))
        op.execute("DELETE FROM asset_search_stats")
