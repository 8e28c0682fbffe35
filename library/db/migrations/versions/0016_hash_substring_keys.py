"""hash substring keys

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-29 07:20:00

Three expression indexes on ``asset_hashes``, one per substring of a stored
64-bit hash (bits 0-21, 22-42, 43-63), so a one-shot near-duplicate look-up
(`library.duplicates.lookup`) asks the catalog for candidates with indexed
look-ups instead of loading every hash. The database keeps them current at
every insert; nothing at ingest changes. The (algorithm, value) index goes: nothing
reads it. The expressions must stay spelled as
`lookup.key_expression` spells them, or the planner will not use the indexes.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

#: (index name, key expression): frozen here, as migrations are.
KEYS = (
    ("ix_asset_hashes_key0", "(value & 4194303)"),
    ("ix_asset_hashes_key1", "((value >> 22) & 2097151)"),
    ("ix_asset_hashes_key2", "((value >> 43) & 2097151)"),
)


def upgrade() -> None:
    for name, expression in KEYS:
        op.create_index(name, "asset_hashes", ["algorithm", sa.text(expression)], unique=False)
    # No query compares whole values, and every key index above leads with the algorithm
    # (what loading one signal filters on): its 1.1 GB at 10M photos pays for one of them.
    op.drop_index("ix_asset_hashes_algorithm_value", table_name="asset_hashes")
    if op.get_bind().dialect.name == "postgresql":
        # Statistics of the new expressions: without them PostgreSQL guesses that a key
        # matches 0.5 % of the rows and, for a few hundred keys, reads the whole table.
        op.execute("ANALYZE asset_hashes")


def downgrade() -> None:
    op.create_index(
        "ix_asset_hashes_algorithm_value", "asset_hashes", ["algorithm", "value"], unique=False
    )
    for name, _ in KEYS:
        op.drop_index(name, table_name="asset_hashes")
