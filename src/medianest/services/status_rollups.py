"""Per-hour and per-day rollups of each service's history: written as rows arrive, read by the
board with a few aggregate queries whose cost does not grow with the length of the history.

A history row's status holds until the next row, at most ``hold``; that span is added to the
rollups when the next row arrives. The newest row's span is still open: readers add it
themselves (``health.tail_span``) from ``monitored_services.recorded_at`` and ``status``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from medianest.domain.health import DAY, HOUR, Health, Record, Tally, bucket_start, split_span
from medianest.persistence.models import ServiceRollup
from medianest.persistence.upsert import upsert

PERIODS = {"hour": HOUR, "day": DAY}
COLUMNS = {
    Health.UP: ServiceRollup.up_s,
    Health.DEGRADED: ServiceRollup.degraded_s,
    Health.DOWN: ServiceRollup.down_s,
    Health.MAINTENANCE: ServiceRollup.maintenance_s,
    Health.UNKNOWN: ServiceRollup.unknown_s,
}
ROWS_PER_STEP = 500
KEEP = {"hour": timedelta(days=32), "day": timedelta(days=400)}


@dataclass
class Pending:
    """What one service's new history rows add to its rollups, written in one go."""

    tallies: dict[tuple[str, datetime], Tally] = field(default_factory=dict)

    def _tally(self, period: str, start: datetime) -> Tally:
        return self.tallies.setdefault((period, start), Tally())

    def span(self, start: datetime, end: datetime, status: Health) -> None:
        for period, size in PERIODS.items():
            for bucket, seconds in split_span(start, end, size):
                self._tally(period, bucket).add(status, seconds)

    def ping(self, at: datetime, ping_ms: float | None) -> None:
        if ping_ms is None:
            return
        for period, size in PERIODS.items():
            tally = self._tally(period, bucket_start(at, size))
            tally.ping_sum += ping_ms
            tally.ping_count += 1

    def row_added(self, previous: Record | None, row: Record, hold: timedelta) -> None:
        """A new newest row: closes the previous row's span and counts the new row's ping."""
        if previous is not None:
            self.span(previous.at, min(row.at, previous.at + hold), previous.status)
        self.ping(row.at, row.ping_ms)


async def write(db: AsyncSession, service_id: int, pending: Pending) -> None:
    table = ServiceRollup.__table__
    for (period, start), tally in sorted(pending.tallies.items()):
        seconds = {COLUMNS[s].key: tally.seconds.get(s, 0.0) for s in COLUMNS}
        await upsert(
            db,
            table,  # type: ignore[arg-type]
            {
                "service_id": service_id,
                "period": period,
                "start": start,
                **seconds,
                "ping_sum": tally.ping_sum,
                "ping_count": tally.ping_count,
            },
            conflict=("service_id", "period", "start"),
            update={
                **{key: table.c[key] + value for key, value in seconds.items()},
                "ping_sum": table.c.ping_sum + tally.ping_sum,
                "ping_count": table.c.ping_count + tally.ping_count,
            },
        )


def _tally(row: Sequence[float | int | None]) -> Tally:
    tally = Tally()
    for status, value in zip(COLUMNS, row[: len(COLUMNS)], strict=False):
        tally.add(status, float(value or 0.0))
    tally.ping_sum = float(row[len(COLUMNS)] or 0.0)
    tally.ping_count = int(row[len(COLUMNS) + 1] or 0)
    return tally


def _sums() -> list[object]:
    return [
        *(func.sum(column) for column in COLUMNS.values()),
        func.sum(ServiceRollup.ping_sum),
        func.sum(ServiceRollup.ping_count),
    ]


def _values() -> list[object]:
    return [*COLUMNS.values(), ServiceRollup.ping_sum, ServiceRollup.ping_count]


async def hours(db: AsyncSession, since: datetime) -> dict[int, dict[datetime, Tally]]:
    """Every hourly rollup from ``since``'s hour on, per service and hour."""
    connection = await db.connection()  # Core reads rows as they are used, the ORM all at once
    rows = await connection.execute(
        select(ServiceRollup.service_id, ServiceRollup.start, *_values()).where(
            ServiceRollup.period == "hour", ServiceRollup.start >= bucket_start(since, HOUR)
        )
    )
    found: dict[int, dict[datetime, Tally]] = {}
    for part in rows.partitions(ROWS_PER_STEP):  # 25 rows a service: let requests in between
        for row in part:
            found.setdefault(row[0], {})[row[1]] = _tally(row[2:])
        await asyncio.sleep(0)
    return found


def _ceil(moment: datetime, size: timedelta) -> datetime:
    start = bucket_start(moment, size)
    return start if start == moment else start + size


async def _summed(db: AsyncSession, period: str, *where: ColumnElement[bool]) -> dict[int, Tally]:
    rows = await db.execute(
        select(ServiceRollup.service_id, *_sums())
        .where(ServiceRollup.period == period, *where)
        .group_by(ServiceRollup.service_id)
    )
    return {row[0]: _tally(row[1:]) for row in rows}


async def window(db: AsyncSession, now: datetime, length: timedelta) -> dict[int, Tally]:
    """Each service's time in ``[now - length, now)``, summed by the database: whole days, then
    the whole hours before the first of them, then the share of the hour cut by the window's
    start (assumed evenly spread: the only approximation, at most one hour's worth)."""
    since = now - length
    first_day, first_hour = _ceil(since, DAY), _ceil(since, HOUR)
    found: dict[int, Tally] = {}
    parts = [
        (await _summed(db, "day", ServiceRollup.start >= first_day), 1.0),
        (
            await _summed(
                db,
                "hour",
                ServiceRollup.start >= first_hour,
                ServiceRollup.start < first_day,
            ),
            1.0,
        ),
    ]
    if first_hour != since:
        edge = first_hour - HOUR
        share = (first_hour - since) / HOUR
        parts.append((await _summed(db, "hour", ServiceRollup.start == edge), share))
    for sums, share in parts:
        for service_id, tally in sums.items():
            found.setdefault(service_id, Tally()).merge(tally, share)
    return found


async def prune(db: AsyncSession, now: datetime) -> int:
    removed = 0
    for period, keep in KEEP.items():
        result = await db.execute(
            delete(ServiceRollup).where(
                ServiceRollup.period == period, ServiceRollup.start < now - keep
            )
        )
        removed += int(result.rowcount)  # type: ignore[attr-defined]
    return removed
