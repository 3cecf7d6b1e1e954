"""service status rollups per hour and day; newest history row and Kuma's own uptime per service

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from alembic import op

import medianest.persistence.types

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

UTC_TYPE = medianest.persistence.types.UTCDateTime
# The default poll interval's hold (see StatusPolicy): how long a row's status counts for.
HOLD = timedelta(minutes=15)
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
PERIODS = {"hour": timedelta(hours=1), "day": timedelta(days=1)}
COLUMNS = {
    "up": "up_s",
    "degraded": "degraded_s",
    "down": "down_s",
    "maintenance": "maintenance_s",
}


def upgrade() -> None:
    op.create_table(
        "service_rollups",
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=8), nullable=False),
        sa.Column("start", UTC_TYPE(timezone=True), nullable=False),
        sa.Column("up_s", sa.Float(), nullable=False),
        sa.Column("degraded_s", sa.Float(), nullable=False),
        sa.Column("down_s", sa.Float(), nullable=False),
        sa.Column("maintenance_s", sa.Float(), nullable=False),
        sa.Column("unknown_s", sa.Float(), nullable=False),
        sa.Column("ping_sum", sa.Float(), nullable=False),
        sa.Column("ping_count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["monitored_services.id"],
            name=op.f("fk_service_rollups_service_id_monitored_services"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("service_id", "period", "start", name=op.f("pk_service_rollups")),
    )
    with op.batch_alter_table("service_rollups", schema=None) as batch_op:
        batch_op.create_index("ix_service_rollups_period_start", ["period", "start"], unique=False)
    with op.batch_alter_table("monitored_services", schema=None) as batch_op:
        batch_op.add_column(sa.Column("recorded_at", UTC_TYPE(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("kuma_uptime_24h", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("kuma_uptime_30d", sa.Float(), nullable=True))
    _backfill()


def _backfill() -> None:
    """Rolls up the history recorded before this revision, so uptime figures carry on."""
    bind = op.get_bind()
    history = sa.table(
        "service_history",
        sa.column("service_id", sa.Integer()),
        sa.column("at", UTC_TYPE()),
        sa.column("status", sa.String()),
        sa.column("ping_ms", sa.Float()),
    )
    services = sa.table(
        "monitored_services", sa.column("id", sa.Integer()), sa.column("recorded_at", UTC_TYPE())
    )
    rollups = sa.table(
        "service_rollups",
        sa.column("start", UTC_TYPE()),
        *(sa.column(name) for name in ("service_id", "period", "ping_count")),
        *(sa.column(name, sa.Float()) for name in (*COLUMNS.values(), "unknown_s", "ping_sum")),
    )
    service_ids = [row[0] for row in bind.execute(sa.select(services.c.id))]
    for service_id in service_ids:
        rows = bind.execute(
            sa.select(history.c.at, history.c.status, history.c.ping_ms)
            .where(history.c.service_id == service_id)
            .order_by(history.c.at)
        ).all()
        if not rows:
            continue
        tallies: dict[tuple[str, datetime], dict[str, Any]] = defaultdict(_empty)
        for index, (at, status, ping) in enumerate(rows):
            for period, size in PERIODS.items():
                if ping is not None:
                    tally = tallies[(period, _bucket(at, size))]
                    tally["ping_sum"] += ping
                    tally["ping_count"] += 1
                if index + 1 < len(rows):
                    end = min(rows[index + 1][0], at + HOLD)
                    _add_span(tallies, period, size, at, end, COLUMNS.get(status, "unknown_s"))
        bind.execute(
            rollups.insert(),
            [
                {"service_id": service_id, "period": period, "start": start, **tally}
                for (period, start), tally in tallies.items()
            ],
        )
        bind.execute(
            services.update().where(services.c.id == service_id).values(recorded_at=rows[-1][0])
        )


def _empty() -> dict[str, Any]:
    return {**dict.fromkeys([*COLUMNS.values(), "unknown_s", "ping_sum"], 0.0), "ping_count": 0}


def _bucket(moment: datetime, size: timedelta) -> datetime:
    return moment - (moment - EPOCH) % size


def _add_span(
    tallies: dict[tuple[str, datetime], dict[str, Any]],
    period: str,
    size: timedelta,
    start: datetime,
    end: datetime,
    column: str,
) -> None:
    cursor = start
    while cursor < end:
        bucket = _bucket(cursor, size)
        piece_end = min(end, bucket + size)
        tallies[(period, bucket)][column] += (piece_end - cursor).total_seconds()
        cursor = piece_end


def downgrade() -> None:
    with op.batch_alter_table("monitored_services", schema=None) as batch_op:
        batch_op.drop_column("kuma_uptime_30d")
        batch_op.drop_column("kuma_uptime_24h")
        batch_op.drop_column("recorded_at")
    with op.batch_alter_table("service_rollups", schema=None) as batch_op:
        batch_op.drop_index("ix_service_rollups_period_start")
    op.drop_table("service_rollups")
