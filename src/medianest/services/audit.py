"""The audit log: who did what to whom, from where, and never with a secret in it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from medianest.domain.users import Actor
from medianest.observability.logging import REDACTED, SECRET_KEY_PATTERN, get_logger
from medianest.persistence.models import AuditEntry

log = get_logger(__name__)


def scrub(details: dict[str, Any]) -> dict[str, Any]:
    """Replaces values of secret-looking keys, at any depth."""
    clean: dict[str, Any] = {}
    for key, value in details.items():
        if SECRET_KEY_PATTERN.search(key):
            clean[key] = REDACTED if value not in (None, "") else value
        elif isinstance(value, dict):
            clean[key] = scrub(value)
        else:
            clean[key] = value
    return clean


def record(
    session: AsyncSession,
    actor: Actor,
    action: str,
    summary: str,
    *,
    target_type: str | None = None,
    target_id: str | int | None = None,
    target_label: str | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """Adds an entry to the caller's transaction: it is kept only if the change is."""
    session.add(
        AuditEntry(
            actor_id=actor.user_id,
            actor_label=actor.username[:255],
            action=action,
            target_type=target_type,
            target_id=None if target_id is None else str(target_id),
            target_label=None if target_label is None else target_label[:255],
            ip=actor.ip,
            summary=summary[:1000],
            details=scrub(details or {}),
        )
    )
    log.info("audit", action=action, actor=actor.username, target=target_label, ip=actor.ip)


@dataclass(frozen=True)
class AuditFilter:
    action: str | None = None
    actor: str | None = None
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True)
class AuditPage:
    entries: Sequence[AuditEntry]
    total: int
    page: int
    size: int


async def browse(
    session: AsyncSession, where: AuditFilter, page: int = 1, size: int = 50
) -> AuditPage:
    size = max(1, min(size, 200))
    page = max(1, page)
    query = select(AuditEntry)
    if where.action:
        query = query.where(AuditEntry.action == where.action)
    if where.actor:
        query = query.where(func.lower(AuditEntry.actor_label).contains(where.actor.lower()))
    if where.since:
        query = query.where(AuditEntry.at >= where.since)
    if where.until:
        query = query.where(AuditEntry.at < where.until)
    total = await session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = await session.scalars(
        query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .offset((page - 1) * size)
        .limit(size)
    )
    return AuditPage(list(rows), int(total), page, size)


async def actions(session: AsyncSession) -> list[str]:
    rows = await session.scalars(select(AuditEntry.action).distinct().order_by(AuditEntry.action))
    return list(rows)
