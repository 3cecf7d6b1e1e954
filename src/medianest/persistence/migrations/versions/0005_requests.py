"""media requests

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import medianest.persistence.types

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "media_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("media_type", sa.String(length=8), nullable=False),
        sa.Column("tmdb_id", sa.Integer(), nullable=False),
        sa.Column("tvdb_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("poster_path", sa.String(length=200), nullable=True),
        sa.Column("seasons", sa.JSON(), nullable=True),
        sa.Column("overseerr_request_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("status_detail", sa.String(length=80), nullable=True),
        sa.Column("rating_key", sa.String(length=32), nullable=True),
        sa.Column(
            "created_at", medianest.persistence.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "updated_at", medianest.persistence.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "synced_at", medianest.persistence.types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_media_requests_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_media_requests")),
        sa.UniqueConstraint(
            "overseerr_request_id", name=op.f("uq_media_requests_overseerr_request_id")
        ),
    )
    with op.batch_alter_table("media_requests", schema=None) as batch_op:
        batch_op.create_index("ix_media_requests_media", ["media_type", "tmdb_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_media_requests_status"), ["status"], unique=False)
        batch_op.create_index(
            "ix_media_requests_user_created", ["user_id", "created_at"], unique=False
        )

    op.create_table(
        "overseerr_accounts",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("plex_id", sa.BigInteger(), nullable=False),
        sa.Column("overseerr_user_id", sa.Integer(), nullable=True),
        sa.Column("overseerr_name", sa.String(length=255), nullable=True),
        sa.Column(
            "checked_at", medianest.persistence.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_overseerr_accounts_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_overseerr_accounts")),
    )


def downgrade() -> None:
    op.drop_table("overseerr_accounts")
    with op.batch_alter_table("media_requests", schema=None) as batch_op:
        batch_op.drop_index("ix_media_requests_user_created")
        batch_op.drop_index(batch_op.f("ix_media_requests_status"))
        batch_op.drop_index("ix_media_requests_media")
    op.drop_table("media_requests")
