"""photos without credit

Revision ID: 0024
Revises: 0023
Create Date: 2026-11-30 06:20:00

A partial index of the photos with no credit, or only blanks
(``ix_assets_no_credit``), carrying ``archive``, on PostgreSQL. "Missing
credit" is the photo desk's work list: the filter, its count and
`photodesk info`'s figure read the credit column of the asset rows, a table
of 900 bytes a row. At 10^7 photos the filtered page's capped count read about
70,000 rows to find 10,001 (51 ms warm, 105-146 ms once other work had taken
the OS cache); from this index it reads 10,001 entries without the table
(4 ms). The condition must stay spelled as `queries.no_credit` spells it, or
the planner will not use it.

The build reads the table once and writes to ``assets`` wait for it. At 10^7
photos, with 15 % of them without credit, the index is 32 MB.
"""

from __future__ import annotations

from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        "CREATE INDEX ix_assets_no_credit ON assets (id) INCLUDE (archive) "
        "WHERE credit IS NULL OR trim(credit) = ''"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX ix_assets_no_credit")
