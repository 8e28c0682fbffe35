"""local features beside the fingerprint

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 09:00:00

Each photo's ORB keypoints (`assets.features`, at most 4 KiB), kept with its
similarity fingerprint so heavy crops and turned copies can be verified without
decoding the files again. Photos ingested before have none (NULL); they are
compared by their fingerprints alone.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("asset_fingerprints", schema=None) as batch_op:
        batch_op.add_column(sa.Column("features", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("asset_fingerprints", schema=None) as batch_op:
        batch_op.drop_column("features")
