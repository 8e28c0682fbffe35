"""search lexemes

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-29 17:10:00

Every lexeme in PostgreSQL's search index, once (``search_lexemes``), so a
searched prefix can be looked up as the words it stands for: ``'protest':*`` as
``'protest' | 'protesta'``. GIN answers a prefix by reading every posting of
every matching lexeme into a bitmap before the other words narrow it (100 ms
for three prefixes at a million photos); exact lexemes let it skip through the
rarest word's postings instead. The table may hold lexemes no photo has any
more (harmless: they match nothing) but never lacks one (`search` adds a
photo's lexemes in the transaction that indexes it). SQLite's FTS5 keeps its
own prefix indexes (migration 0002), so there is nothing to add there.
"""

from __future__ import annotations

from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    # C collation: the primary key's order is byte order, so a prefix is one range.
    op.execute('CREATE TABLE search_lexemes (lexeme text COLLATE "C" PRIMARY KEY)')
    op.execute(
        "INSERT INTO search_lexemes (lexeme) "
        "SELECT DISTINCT unnest(tsvector_to_array(document)) FROM asset_search"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TABLE search_lexemes")
