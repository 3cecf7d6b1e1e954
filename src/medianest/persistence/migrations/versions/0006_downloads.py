"""YouTube download jobs

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import medianest.persistence.types

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

UTC = medianest.persistence.types.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "download_jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("quality", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("source_id", sa.String(length=2000), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("state", sa.String(length=24), nullable=False),
        sa.Column("folder", sa.String(length=1000), nullable=False),
        sa.Column("thumbnail", sa.LargeBinary(), nullable=True),
        sa.Column("thumbnail_type", sa.String(length=40), nullable=True),
        sa.Column("cancel_requested", sa.Boolean(), nullable=False),
        sa.Column("wait_reason", sa.String(length=300), nullable=True),
        sa.Column("error", sa.String(length=1000), nullable=True),
        sa.Column("plex_state", sa.String(length=16), nullable=False),
        sa.Column("plex_message", sa.String(length=500), nullable=True),
        sa.Column("plex_collection_key", sa.String(length=32), nullable=True),
        sa.Column("plex_collection_title", sa.String(length=500), nullable=True),
        sa.Column("plex_attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC(timezone=True), nullable=False),
        sa.Column("started_at", UTC(timezone=True), nullable=True),
        sa.Column("finished_at", UTC(timezone=True), nullable=True),
        sa.Column("updated_at", UTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_download_jobs_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_download_jobs")),
    )
    with op.batch_alter_table("download_jobs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_download_jobs_state"), ["state"], unique=False)
        batch_op.create_index(
            "ix_download_jobs_user_created", ["user_id", "created_at"], unique=False
        )

    op.create_table(
        "download_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("video_id", sa.String(length=200), nullable=True),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("bytes_done", sa.BigInteger(), nullable=False),
        sa.Column("bytes_total", sa.BigInteger(), nullable=True),
        sa.Column("speed", sa.Float(), nullable=True),
        sa.Column("eta", sa.Integer(), nullable=True),
        sa.Column("file_name", sa.String(length=500), nullable=True),
        sa.Column("archive_key", sa.String(length=300), nullable=True),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.Column("claimed_by", sa.String(length=200), nullable=True),
        sa.Column("heartbeat_at", UTC(timezone=True), nullable=True),
        sa.Column("started_at", UTC(timezone=True), nullable=True),
        sa.Column("resumes", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["job_id"],
            ["download_jobs.id"],
            name=op.f("fk_download_items_job_id_download_jobs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_download_items")),
    )
    with op.batch_alter_table("download_items", schema=None) as batch_op:
        batch_op.create_index("ix_download_items_state", ["state", "job_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("download_items", schema=None) as batch_op:
        batch_op.drop_index("ix_download_items_state")
    op.drop_table("download_items")
    with op.batch_alter_table("download_jobs", schema=None) as batch_op:
        batch_op.drop_index("ix_download_jobs_user_created")
        batch_op.drop_index(batch_op.f("ix_download_jobs_state"))
    op.drop_table("download_jobs")
