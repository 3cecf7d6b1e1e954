"""download items keep their listed playlist entry; the Plex step of a job has a holder

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("download_items") as batch:
        batch.add_column(sa.Column("source", sa.JSON(), nullable=True))
    with op.batch_alter_table("download_jobs") as batch:
        batch.add_column(sa.Column("plex_claimed_by", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("download_jobs") as batch:
        batch.drop_column("plex_claimed_by")
    with op.batch_alter_table("download_items") as batch:
        batch.drop_column("source")
