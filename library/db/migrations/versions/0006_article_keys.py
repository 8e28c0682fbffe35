"""article keys and statuses

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28 22:00:00

WordPress posts are keyed by site + post id (``wxr:SITE#ID``) instead of their guid, which
exports reuse; the key column already holds any string, so only the status is new: the
WordPress status of an imported post (publish, draft, future, pending, private), so an
unpublished one imported with ``--include-unpublished`` is never taken for a publication.
Articles from pages and text dumps have none. Rows keyed by guid are re-keyed when their
export is imported again (see library.articles.imports).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.add_column(sa.Column("status", sa.String(length=20), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.drop_column("status")
