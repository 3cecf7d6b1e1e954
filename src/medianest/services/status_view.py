"""What the dashboard shows, read from the database only: it loads instantly whatever Kuma does.

Uptime and the history bar come from MediaNest's own recorded history (``service_history``);
the 7- and 30-day figures are cached per process for a few minutes because they read many rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from medianest.domain import health
from medianest.domain.errors import NotFound
from medianest.domain.health import Health, Record, Slot
from medianest.persistence.models import MonitoredService, ServiceRecord
from medianest.services import runtime_settings

SOURCE_KEY = "status.source"
WEBHOOK_KEY = "status.webhook"
DAY = timedelta(days=1)
WINDOWS = {"24h": DAY, "7d": 7 * DAY, "30d": 30 * DAY}
SLOTS, SLOT = 24, timedelta(hours=1)
LONG_STATS_TTL = timedelta(minutes=5)


@dataclass(frozen=True)
class IncidentView:
    title: str
    content: str
    style: str
    created: str | None


@dataclass(frozen=True)
class SourceState:
    """How the last polls of Uptime Kuma went (stored by the coordinator in app_settings)."""

    configured: bool
    ok: bool = True
    error: str | None = None
    taken_at: datetime | None = None
    failing_since: datetime | None = None
    title: str | None = None
    incidents: Sequence[IncidentView] = ()
    problems: Sequence[str] = ()
    webhook_at: datetime | None = None


@dataclass(frozen=True)
class ServiceCard:
    id: int
    name: str
    group: str | None
    status: Health
    since: datetime | None
    ping_ms: float | None
    avg_ping_ms: float | None
    uptime: dict[str, float | None]
    checked_at: datetime | None
    recorded_since: datetime | None
    slots: Sequence[Slot]
    message: str


@dataclass(frozen=True)
class Board:
    source: SourceState
    cards: Sequence[ServiceCard]
    as_of: datetime | None
    stale: bool

    @property
    def groups(self) -> list[tuple[str, list[ServiceCard]]]:
        grouped: dict[str, list[ServiceCard]] = {}
        for card in self.cards:
            grouped.setdefault(card.group or "Services", []).append(card)
        return list(grouped.items())

    def status_of(self, service_id: int | None) -> Health | None:
        return next((c.status for c in self.cards if c.id == service_id), None)


@dataclass(frozen=True)
class ServiceDetail:
    card: ServiceCard
    changes: Sequence[tuple[Record, datetime | None]]  # (change, until) newest first
    incidents: Sequence[IncidentView]


@dataclass(frozen=True)
class LongFigures:
    uptime_7d: float | None
    uptime_30d: float | None
    first_record: datetime | None


@dataclass
class LongStats:
    """Per-process cache of the 7/30-day uptime (many rows; changes slowly)."""

    entries: dict[int, tuple[datetime, LongFigures]] = field(default_factory=dict)

    def fresh(self, service_id: int, now: datetime) -> LongFigures | None:
        entry = self.entries.get(service_id)
        return entry[1] if entry and now - entry[0] < LONG_STATS_TTL else None

    def forget(self, service_id: int | None = None) -> None:
        if service_id is None:
            self.entries.clear()
        else:
            self.entries.pop(service_id, None)


def _time(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


async def source_state(db: AsyncSession, configured: bool) -> SourceState:
    raw = await runtime_settings.get_value(db, SOURCE_KEY, {})
    hook = await runtime_settings.get_value(db, WEBHOOK_KEY, {})
    raw = raw if isinstance(raw, dict) else {}
    incidents = [
        IncidentView(
            str(i.get("title", "")),
            str(i.get("content", "")),
            str(i.get("style", "")),
            i.get("created"),
        )
        for i in raw.get("incidents", [])
        if isinstance(i, dict)
    ]
    return SourceState(
        configured=configured,
        ok=bool(raw.get("ok", True)),
        error=raw.get("error"),
        taken_at=_time(raw.get("taken_at")),
        failing_since=_time(raw.get("failing_since")),
        title=raw.get("title"),
        incidents=incidents,
        problems=[str(p) for p in raw.get("problems", [])],
        webhook_at=_time(hook.get("at") if isinstance(hook, dict) else None),
    )


async def _records(
    db: AsyncSession, service_ids: Sequence[int], since: datetime
) -> dict[int, list[Record]]:
    found: dict[int, list[Record]] = {i: [] for i in service_ids}
    rows = await db.execute(
        select(
            ServiceRecord.service_id, ServiceRecord.at, ServiceRecord.status, ServiceRecord.ping_ms
        )
        .where(ServiceRecord.service_id.in_(service_ids), ServiceRecord.at >= since)
        .order_by(ServiceRecord.service_id, ServiceRecord.at, ServiceRecord.id)
    )
    for service_id, at, status, ping in rows:
        found[service_id].append(Record(at, Health.parse(status), ping))
    return found


async def _long_uptime(
    db: AsyncSession, service_id: int, now: datetime, hold: timedelta, cache: LongStats
) -> LongFigures:
    cached = cache.fresh(service_id, now)
    if cached is not None:
        return cached
    records = (await _records(db, [service_id], now - WINDOWS["30d"] - hold))[service_id]
    first = await db.scalar(
        select(ServiceRecord.at)
        .where(ServiceRecord.service_id == service_id)
        .order_by(ServiceRecord.at)
        .limit(1)
    )
    figures = LongFigures(
        health.uptime(records, now, WINDOWS["7d"], hold),
        health.uptime(records, now, WINDOWS["30d"], hold),
        first,
    )
    cache.entries[service_id] = (now, figures)
    return figures


def _card(
    service: MonitoredService,
    recent: list[Record],
    long: LongFigures,
    now: datetime,
    hold: timedelta,
) -> ServiceCard:
    return ServiceCard(
        id=service.id,
        name=service.name,
        group=service.group_name,
        status=Health.parse(service.status),
        since=service.since,
        ping_ms=service.ping_ms,
        avg_ping_ms=health.average_ping(recent, now - DAY),
        uptime={
            "24h": health.uptime(recent, now, DAY, hold),
            "7d": long.uptime_7d,
            "30d": long.uptime_30d,
        },
        checked_at=service.checked_at,
        recorded_since=long.first_record,
        slots=health.history_slots(recent, now, SLOTS, SLOT, hold),
        message=service.message,
    )


async def board(
    db: AsyncSession,
    *,
    now: datetime,
    hold: timedelta,
    stale_after: timedelta,
    configured: bool,
    cache: LongStats,
) -> Board:
    services = list(
        await db.scalars(
            select(MonitoredService)
            .where(MonitoredService.present.is_(True))
            .order_by(MonitoredService.position, MonitoredService.id)
        )
    )
    recent = await _records(db, [s.id for s in services], now - DAY - hold)
    cards = [
        _card(s, recent[s.id], await _long_uptime(db, s.id, now, hold, cache), now, hold)
        for s in services
    ]
    source = await source_state(db, configured)
    checked = [c.checked_at for c in cards if c.checked_at]
    as_of = max(checked) if checked else None
    stale = configured and (not source.ok or as_of is None or now - as_of > stale_after)
    return Board(source, cards, as_of, stale)


async def detail(
    db: AsyncSession,
    service_id: int,
    *,
    now: datetime,
    hold: timedelta,
    configured: bool,
    cache: LongStats,
) -> ServiceDetail:
    service = await db.get(MonitoredService, service_id)
    if service is None or not service.present:
        raise NotFound("There is no such service.")
    week = (await _records(db, [service.id], now - WINDOWS["7d"]))[service.id]
    recent = [r for r in week if r.at >= now - DAY - hold]
    card = _card(service, recent, await _long_uptime(db, service.id, now, hold, cache), now, hold)
    changed = health.changes(week)
    spans = [
        (r, changed[i + 1].at if i + 1 < len(changed) else None) for i, r in enumerate(changed)
    ]
    source = await source_state(db, configured)
    return ServiceDetail(card, list(reversed(spans))[:20], source.incidents)
