"""Uptime Kuma's answers as observations for the status store: a polled snapshot's monitors,
and the monitor a webhook is about."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from medianest.domain.errors import DomainError
from medianest.domain.health import Health, Record
from medianest.integrations.uptime_kuma.models import KumaSnapshot, MonitorSnapshot, MonitorStatus
from medianest.integrations.uptime_kuma.webhook import KumaWebhook
from medianest.persistence.models import MonitoredService
from medianest.services import status_store
from medianest.services.status_store import Observation

HEALTH = {
    MonitorStatus.UP: Health.UP,
    MonitorStatus.DOWN: Health.DOWN,
    MonitorStatus.PENDING: Health.DEGRADED,
    MonitorStatus.MAINTENANCE: Health.MAINTENANCE,
}


class BadWebhook(DomainError):
    """The webhook body cannot be used (answered 400 with this reason)."""


def health_of(status: MonitorStatus) -> Health:
    return HEALTH.get(status, Health.UNKNOWN)


def observe(monitor: MonitorSnapshot, position: int, snapshot: KumaSnapshot) -> Observation:
    """Kuma's beats become history; a status that differs from the last beat is a live reading
    (``/metrics``), stamped with the time of the poll."""
    status = health_of(monitor.status)
    beats = [Record(b.time, health_of(b.status), b.ping) for b in monitor.beats]
    live = None
    if not beats or beats[-1].status != status:
        live = Record(snapshot.taken_at, status, monitor.ping_ms)
    return Observation(
        key=status_store.kuma_key(monitor.id, monitor.name),
        name=monitor.name,
        status=status,
        checked_at=snapshot.taken_at,
        kuma_id=monitor.id,
        group=monitor.group or "",
        position=position,
        ping_ms=monitor.ping_ms,
        last_beat_at=monitor.last_beat_at,
        beats=beats,
        live=live,
        kuma_uptime={"24h": monitor.uptime_24h, "30d": monitor.uptime.get("30d")},
    )


async def service_for(db: AsyncSession, hook: KumaWebhook) -> MonitoredService:
    """The shown service the webhook is about; 1.23 metrics-only setups know names, not ids."""
    found = await db.scalar(
        select(MonitoredService).where(
            MonitoredService.kuma_id == hook.monitor_id, MonitoredService.present.is_(True)
        )
    )
    if found is None and hook.monitor is not None:
        found = await db.scalar(
            select(MonitoredService).where(
                MonitoredService.source_key == status_store.kuma_key(None, hook.monitor.name),
                MonitoredService.present.is_(True),
            )
        )
    if found is None:
        raise BadWebhook(
            f"unknown monitor {hook.monitor_id}: it is not on the configured status page"
        )
    return found


def webhook_observation(service: MonitoredService, hook: KumaWebhook, now: datetime) -> Observation:
    beat = hook.heartbeat
    assert beat is not None
    status = health_of(beat.status)
    return Observation(
        key=service.source_key,
        name=service.name,
        status=status,
        checked_at=now,
        ping_ms=beat.ping,
        last_beat_at=beat.time,
        live=Record(beat.time, status, beat.ping),
        message=beat.msg,
    )
