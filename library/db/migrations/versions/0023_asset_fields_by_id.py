"""asset fields by id

Revision ID: 0023
Revises: 0022
Create Date: 2026-11-30 05:40:00

An index of the photo id that carries the columns the date, archive and camera
conditions test (``ix_assets_id_fields``), on PostgreSQL. A search with such a
condition beside its words or its ``used:``/``keyword:`` list tests each photo
the list names, by id: each test read the photo's row from a table of about
900 bytes a row (9 GB at 10^7 photos), so the 10,001 tests of a capped count
were 10,001 scattered page reads. From this index they are read in id order
without the table: the count of ``caption:"fuel prices" -taken:2016`` went
from 183 to 72 ms at 10^7 photos, cold. SQLite keeps the row with its id.

The build reads the table once and writes to ``assets`` wait for it: 10.9 s at
10^7 photos, for an index of 560 MB (the primary key is 273 MB).
"""

from __future__ import annotations

from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        "CREATE INDEX ix_assets_id_fields ON assets (id) "
        "INCLUDE (taken_at, archive, camera_make, camera_model)"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX ix_assets_id_fields")
