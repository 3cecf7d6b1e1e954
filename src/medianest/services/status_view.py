"""What the dashboard shows, read from the database only: it loads instantly whatever Kuma does.

Uptime and the history bar come from the hourly and daily rollups of MediaNest's recorded
history (``service_rollups``), so a board costs the same whatever the length of the history;
where Kuma publishes its own uptime figures, those are shown instead (the numbers people see in
Kuma). The recent changes in a service's detail still read its raw history.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from medianest.domain import health
from medianest.domain.errors import NotFound
from medianest.domain.health import HOUR, Health, Record, Slot, Tally
from medianest.persistence.models import MonitoredService, ServiceRecord
from medianest.services import runtime_settings
from medianest.services import status_rollups as rollups

SOURCE_KEY = "status.source"
WEBHOOK_KEY = "status.webhook"
WAKE_KEY = "status.wake"  # the latest sign of life, for the polling process
DAY = timedelta(days=1)
WINDOWS = {"24h": DAY, "7d": 7 * DAY, "30d": 30 * DAY}
SLOTS, SLOT = 24, timedelta(hours=1)
CARDS_PER_STEP = 16


@dataclass(frozen=True)
class IncidentView:
    title: str
    content: str
    style: str
    created: str | None


@dataclass(frozen=True)
class MaintenanceView:
    title: str
    description: str  # Markdown, as Kuma shows it


HEADLINES = {
    "unreachable": "Uptime Kuma is not answering",
    "no_page": "Uptime Kuma has no such status page",
    "key_refused": "Uptime Kuma refused the API key",
    "not_kuma": "The Uptime Kuma address does not answer like Uptime Kuma",
    "bad_answer": "Uptime Kuma answered something MediaNest cannot read",
}


@dataclass(frozen=True)
class SourceState:
    """How the last polls of Uptime Kuma went (stored by the coordinator in app_settings)."""

    configured: bool
    ok: bool = True
    error: str | None = None
    kind: str = "unreachable"  # what went wrong, when not ok
    taken_at: datetime | None = None
    failing_since: datetime | None = None
    title: str | None = None
    incidents: Sequence[IncidentView] = ()
    maintenance: Sequence[MaintenanceView] = ()
    problems: Sequence[str] = ()
    webhook_at: datetime | None = None

    @property
    def headline(self) -> str:
        """What the notice says happened, in the words of what Kuma actually answered."""
        return HEADLINES.get(self.kind, HEADLINES["unreachable"])


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

    def stale_at(self, now: datetime, stale_after: timedelta) -> bool:
        """Whether this board is stale at ``now``: Kuma fails, or the newest check is old."""
        source = self.source
        return source.configured and (
            not source.ok or self.as_of is None or now - self.as_of > stale_after
        )

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
    maintenance = [
        MaintenanceView(str(m.get("title", "")), str(m.get("description", "")))
        for m in raw.get("maintenance", [])
        if isinstance(m, dict)
    ]
    return SourceState(
        configured=configured,
        ok=bool(raw.get("ok", True)),
        error=raw.get("error"),
        kind=str(raw.get("kind") or "unreachable"),
        maintenance=maintenance,
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


def _window(
    hours: dict[datetime, Tally], since: datetime, tail: tuple[datetime, datetime, Health] | None
) -> Tally:
    """The hourly tallies inside ``[since, now)`` (the first hour by its share) and the open span."""
    first = health.bucket_start(since, HOUR)
    total = Tally()
    for start, tally in hours.items():
        if start > first:
            total.merge(tally)
        elif start == first:
            total.merge(tally, 1.0 - (since - first) / HOUR)
    _add_tail(total, tail, since)
    return total


def _add_tail(
    total: Tally, tail: tuple[datetime, datetime, Health] | None, since: datetime
) -> None:
    if tail is not None and tail[1] > since:
        total.add(tail[2], (tail[1] - max(tail[0], since)).total_seconds())


def _slots(
    hours: dict[datetime, Tally], now: datetime, tail: tuple[datetime, datetime, Health] | None
) -> list[Slot]:
    """The last ``SLOTS`` clock hours, the current one last, each with its worst status."""
    current = health.bucket_start(now, HOUR)
    slots: list[Slot] = []
    for index in range(SLOTS):
        start = current - SLOT * (SLOTS - 1 - index)
        tally = hours.get(start)
        if tail is not None and tail[0] < start + SLOT and tail[1] > start:
            tally = Tally() if tally is None else tally.copy()
            tally.add(tail[2], (min(tail[1], start + SLOT) - max(tail[0], start)).total_seconds())
        slots.append(Slot(start, start + SLOT, tally.worst if tally else Health.UNKNOWN))
    return slots


def _card(
    service: MonitoredService,
    hours: dict[datetime, Tally],
    long: dict[str, Tally | None],
    now: datetime,
    hold: timedelta,
) -> ServiceCard:
    last = (
        Record(service.recorded_at, Health.parse(service.status))
        if service.recorded_at is not None
        else None
    )
    tail = health.tail_span(last, now, hold)
    day = _window(hours, now - DAY, tail)
    uptime: dict[str, float | None] = {"24h": day.uptime}
    for name, found in long.items():
        tally = found if found is not None else Tally()
        _add_tail(tally, tail, now - WINDOWS[name])
        uptime[name] = tally.uptime
    if service.kuma_uptime_24h is not None:
        uptime["24h"] = service.kuma_uptime_24h
    if service.kuma_uptime_30d is not None:
        uptime["30d"] = service.kuma_uptime_30d
    return ServiceCard(
        id=service.id,
        name=service.name,
        group=service.group_name,
        status=Health.parse(service.status),
        since=service.since,
        ping_ms=service.ping_ms,
        avg_ping_ms=day.average_ping,
        uptime=uptime,
        checked_at=service.checked_at,
        recorded_since=service.created_at,
        slots=_slots(hours, now, tail),
        message=service.message,
    )


async def _cards(
    db: AsyncSession, services: Sequence[MonitoredService], now: datetime, hold: timedelta
) -> list[ServiceCard]:
    """Cards from the rollups: four aggregate queries, whatever the number of services."""
    hours = await rollups.hours(db, now - DAY)
    week = await rollups.window(db, now, WINDOWS["7d"])
    month = await rollups.window(db, now, WINDOWS["30d"])
    cards = []
    for index, s in enumerate(services):
        if index and index % CARDS_PER_STEP == 0:
            await asyncio.sleep(0)  # many monitors: let requests in between
        long = {"7d": week.get(s.id), "30d": month.get(s.id)}
        cards.append(_card(s, hours.get(s.id, {}), long, now, hold))
    return cards


async def board(
    db: AsyncSession,
    *,
    now: datetime,
    hold: timedelta,
    stale_after: timedelta,
    configured: bool,
) -> Board:
    services = list(
        await db.scalars(
            select(MonitoredService)
            .where(MonitoredService.present.is_(True))
            .order_by(MonitoredService.position, MonitoredService.id)
        )
    )
    cards = await _cards(db, services, now, hold)
    source = await source_state(db, configured)
    checked = [c.checked_at for c in cards if c.checked_at]
    as_of = max(checked) if checked else None
    built = Board(source, cards, as_of, False)
    return replace(built, stale=built.stale_at(now, stale_after))


async def detail(
    db: AsyncSession,
    service_id: int,
    *,
    now: datetime,
    hold: timedelta,
    configured: bool,
) -> ServiceDetail:
    service = await db.get(MonitoredService, service_id)
    if service is None or not service.present:
        raise NotFound("There is no such service.")
    card = (await _cards(db, [service], now, hold))[0]
    week = (await _records(db, [service.id], now - WINDOWS["7d"]))[service.id]
    changed = health.changes(week)
    spans = [
        (r, changed[i + 1].at if i + 1 < len(changed) else None) for i, r in enumerate(changed)
    ]
    source = await source_state(db, configured)
    return ServiceDetail(card, list(reversed(spans))[:20], source.incidents)
