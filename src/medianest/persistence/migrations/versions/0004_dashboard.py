"""service status snapshots, history, quick links, notification preferences

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import medianest.persistence.types

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "monitored_services",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_key", sa.String(length=300), nullable=False),
        sa.Column("kuma_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("group_name", sa.String(length=255), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("present", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("since", medianest.persistence.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("ping_ms", sa.Float(), nullable=True),
        sa.Column(
            "last_beat_at", medianest.persistence.types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column(
            "checked_at", medianest.persistence.types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("message", sa.String(length=300), nullable=False),
        sa.Column("last_notice", sa.String(length=8), nullable=True),
        sa.Column(
            "last_down_notice_at",
            medianest.persistence.types.UTCDateTime(timezone=True),
            nullable=True,
        ),
        sa.Column(
            "created_at", medianest.persistence.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitored_services")),
        sa.UniqueConstraint("source_key", name=op.f("uq_monitored_services_source_key")),
    )
    with op.batch_alter_table("monitored_services", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_monitored_services_kuma_id"), ["kuma_id"], unique=False
        )

    op.create_table(
        "quick_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=80), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("icon", sa.String(length=24), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column(
            "created_at", medianest.persistence.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["monitored_services.id"],
            name=op.f("fk_quick_links_service_id_monitored_services"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quick_links")),
    )
    op.create_table(
        "service_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("at", medianest.persistence.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("ping_ms", sa.Float(), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["monitored_services.id"],
            name=op.f("fk_service_history_service_id_monitored_services"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_history")),
    )
    with op.batch_alter_table("service_history", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_service_history_at"), ["at"], unique=False)
        batch_op.create_index("ix_service_history_service_at", ["service_id", "at"], unique=False)

    op.create_table(
        "service_notice_mutes",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["monitored_services.id"],
            name=op.f("fk_service_notice_mutes_service_id_monitored_services"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_service_notice_mutes_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "service_id", name=op.f("pk_service_notice_mutes")),
    )


def downgrade() -> None:
    op.drop_table("service_notice_mutes")
    with op.batch_alter_table("service_history", schema=None) as batch_op:
        batch_op.drop_index("ix_service_history_service_at")
        batch_op.drop_index(batch_op.f("ix_service_history_at"))

    op.drop_table("service_history")
    op.drop_table("quick_links")
    with op.batch_alter_table("monitored_services", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_monitored_services_kuma_id"))

    op.drop_table("monitored_services")
