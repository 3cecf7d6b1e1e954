"""Writes what Uptime Kuma said into the services table and the history, inside one transaction.

History rows are Kuma's own beats (so a 60 s poll still sees a 20 s outage) thinned to one
sample per ``sample_every`` unless the status changes, plus webhook beats and live readings
(``/metrics``). Only rows newer than the newest stored one are added, so a poll answered from
Kuma's cache (heartbeats up to 1 min old, the page up to 5 min) never overrides a newer webhook.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from medianest.domain.health import Health, Record, first_notice_state
from medianest.persistence.models import MonitoredService, ServiceRecord
from medianest.services import status_rollups as rollups


@dataclass(frozen=True)
class Observation:
    """What one source said about one monitor; ``live`` is a reading taken right now."""

    key: str
    name: str
    status: Health
    checked_at: datetime
    kuma_id: int | None = None
    group: str | None = None
    position: int | None = None
    ping_ms: float | None = None
    last_beat_at: datetime | None = None
    beats: Sequence[Record] = ()
    live: Record | None = None
    message: str = ""
    # Kuma's own uptime ({"24h": .., "30d": ..}, 0..1 or None) from a poll; None: no news.
    kuma_uptime: dict[str, float | None] | None = None


@dataclass(frozen=True)
class Recording:
    """How history is kept: one row per ``sample_every`` unless the status changes; a row's
    status counts for at most ``hold`` when no newer row follows."""

    sample_every: timedelta
    hold: timedelta


@dataclass(frozen=True)
class Change:
    service_id: int
    name: str
    previous: Health | None
    current: Health
    at: datetime


@dataclass
class Applied:
    changes: list[Change] = field(default_factory=list)
    roster_changed: bool = False  # a service appeared or disappeared


def kuma_key(kuma_id: int | None, name: str) -> str:
    return f"kuma:{kuma_id}" if kuma_id is not None else f"kuma-name:{name}"[:300]


async def _latest(db: AsyncSession, service: MonitoredService) -> Record | None:
    if service.recorded_at is not None:
        return Record(service.recorded_at, Health.parse(service.status), None)
    row = (
        await db.execute(
            select(ServiceRecord.at, ServiceRecord.status, ServiceRecord.ping_ms)
            .where(ServiceRecord.service_id == service.id)
            .order_by(ServiceRecord.at.desc(), ServiceRecord.id.desc())
            .limit(1)
        )
    ).first()
    return Record(row.at, Health.parse(row.status), row.ping_ms) if row else None


async def _record(
    db: AsyncSession,
    service: MonitoredService,
    candidates: Sequence[Record],
    source: str,
    policy: Recording,
) -> None:
    """Adds the candidates newer than the newest stored row, and their time to the rollups;
    moves ``status``/``since``/``recorded_at``."""
    last = await _latest(db, service)
    pending = rollups.Pending()
    for record in sorted(candidates, key=lambda r: r.at):
        if last is not None and record.at <= last.at:
            continue
        changed = last is None or record.status != last.status
        if changed or record.at - last.at >= policy.sample_every:  # type: ignore[union-attr]
            db.add(
                ServiceRecord(
                    service_id=service.id,
                    at=record.at,
                    status=record.status.value,
                    ping_ms=record.ping_ms,
                    source=source,
                )
            )
            pending.row_added(last, record, policy.hold)
            service.recorded_at = record.at
            last = record
        if record.status.value != service.status or service.since is None:
            service.status = record.status.value
            service.since = record.at
    await rollups.write(db, service.id, pending)


async def apply(
    db: AsyncSession,
    observations: Sequence[Observation],
    *,
    source: str,
    policy: Recording,
    complete: bool,
) -> Applied:
    """Upserts each observed service and its history; ``complete``: the rest are gone from Kuma."""
    result = Applied()
    existing = {s.source_key: s for s in await db.scalars(select(MonitoredService))}
    seen: set[str] = set()
    for obs in observations:
        seen.add(obs.key)
        service = existing.get(obs.key)
        previous: Health | None = None
        if service is None:
            service = MonitoredService(source_key=obs.key, name=obs.name, status="unknown")
            db.add(service)
            await db.flush()
            result.roster_changed = True
        else:
            previous = Health.parse(service.status)
            if not service.present:
                result.roster_changed = True
        _describe(service, obs)
        candidates = list(obs.beats) + ([obs.live] if obs.live else [])
        if not candidates:
            candidates = [Record(obs.checked_at, obs.status, obs.ping_ms)]
        await _record(db, service, candidates, source, policy)
        current = Health.parse(service.status)
        if current == Health.DOWN:
            service.ping_ms = None
        elif obs.ping_ms is not None:
            service.ping_ms = obs.ping_ms
        if service.last_notice is None:
            service.last_notice = first_notice_state(current)
        if previous is not None and previous != current:
            result.changes.append(
                Change(service.id, service.name, previous, current, service.since or obs.checked_at)
            )
    if complete:
        gone = [s.id for key, s in existing.items() if key not in seen and s.present]
        if gone:
            await db.execute(
                update(MonitoredService).where(MonitoredService.id.in_(gone)).values(present=False)
            )
            result.roster_changed = True
    return result


def _describe(service: MonitoredService, obs: Observation) -> None:
    service.present = True
    service.checked_at = obs.checked_at
    if obs.kuma_id is not None:
        service.kuma_id = obs.kuma_id
    service.name = obs.name[:255]
    if obs.group is not None:
        service.group_name = obs.group[:255]
    if obs.position is not None:
        service.position = obs.position
    if obs.last_beat_at and (
        service.last_beat_at is None or obs.last_beat_at > service.last_beat_at
    ):
        service.last_beat_at = obs.last_beat_at
    if obs.message:
        service.message = obs.message[:300]
    if obs.kuma_uptime is not None:
        service.kuma_uptime_24h = obs.kuma_uptime.get("24h")
        service.kuma_uptime_30d = obs.kuma_uptime.get("30d")
