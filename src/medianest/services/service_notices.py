"""Inbox notices when a service goes down or comes back, and who wants them.

Everyone active gets them by default; a person mutes single services on the inbox page (stored
as mutes, so a service that appears later is announced to everyone).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from medianest.domain.health import Health, notice_due
from medianest.domain.users import Status
from medianest.persistence.models import MonitoredService, Notification, ServiceNoticeMute, User
from medianest.services import notifications
from medianest.services.notifications import NewNotification

# After a "down" notice, the next "down" notice for that service waits this long (flapping).
DOWN_NOTICE_QUIET = timedelta(minutes=15)


@dataclass(frozen=True)
class Preference:
    service_id: int
    name: str
    group: str | None
    wanted: bool


def _note(service: MonitoredService, kind: str) -> NewNotification:
    since = service.since.strftime("%H:%M UTC") if service.since else "now"
    if kind == "down":
        body = f"Uptime Kuma reports it down since {since}."
        if service.message:
            body += f" {service.message}"
        return NewNotification("service_down", f"{service.name} is down", body, "/", "error")
    return NewNotification(
        "service_up", f"{service.name} is up", f"Back since {since}.", "/", "success"
    )


async def recipients(db: AsyncSession, service_id: int) -> list[int]:
    muted = select(ServiceNoticeMute.user_id).where(ServiceNoticeMute.service_id == service_id)
    rows = await db.scalars(
        select(User.id).where(User.status == Status.ACTIVE, User.id.not_in(muted))
    )
    return list(rows)


async def add_due(db: AsyncSession, now: datetime) -> list[Notification]:
    """Adds the notices the services' current statuses call for; publish after the commit."""
    added: list[Notification] = []
    services = await db.scalars(select(MonitoredService).where(MonitoredService.present.is_(True)))
    for service in services:
        kind = notice_due(
            Health.parse(service.status),
            last_notice=service.last_notice,
            last_down_notice_at=service.last_down_notice_at,
            now=now,
            quiet=DOWN_NOTICE_QUIET,
        )
        if kind is None:
            continue
        service.last_notice = kind
        if kind == "down":
            service.last_down_notice_at = now
        added += notifications.add(db, await recipients(db, service.id), _note(service, kind))
    return added


async def preferences(db: AsyncSession, user_id: int) -> list[Preference]:
    muted = set(
        await db.scalars(
            select(ServiceNoticeMute.service_id).where(ServiceNoticeMute.user_id == user_id)
        )
    )
    services = await db.scalars(
        select(MonitoredService)
        .where(MonitoredService.present.is_(True))
        .order_by(MonitoredService.position, MonitoredService.name)
    )
    return [Preference(s.id, s.name, s.group_name, s.id not in muted) for s in services]


async def set_wanted(db: AsyncSession, user_id: int, wanted: Iterable[int]) -> None:
    """The person wants notices for exactly ``wanted`` among the services shown to them."""
    chosen = set(wanted)
    shown = list(
        await db.scalars(select(MonitoredService.id).where(MonitoredService.present.is_(True)))
    )
    await db.execute(
        delete(ServiceNoticeMute).where(
            ServiceNoticeMute.user_id == user_id, ServiceNoticeMute.service_id.in_(shown)
        )
    )
    db.add_all(
        ServiceNoticeMute(user_id=user_id, service_id=service_id)
        for service_id in shown
        if service_id not in chosen
    )
