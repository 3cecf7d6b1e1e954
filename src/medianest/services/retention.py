"""Retention: every table that grows with time is trimmed to its documented age by one job.

Deletes run in small batches, each its own transaction, so a first run on a large install never
holds SQLite's write lock for long; running it twice at once (two workers) is harmless.
Features whose history needs more than a plain age cut (status history and its rollups) plug
in their own purge as an ``extra``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from medianest.config import Settings
from medianest.domain.downloads import FINISHED
from medianest.observability.logging import get_logger
from medianest.persistence.models import (
    ApiToken,
    AuditEntry,
    DownloadJob,
    Notification,
    PlexPin,
    UserSession,
    WorkerHeartbeat,
)
from medianest.persistence.types import utcnow
from medianest.services import auth_watch
from medianest.services import sessions as user_sessions
from medianest.services.sessions import SessionPolicy

log = get_logger(__name__)
BATCH = 2000
# Fixed ages: records nobody reads once they are this old.
PIN_GRACE = timedelta(days=1)  # sign-ins in progress, after their expiry
WORKER_SILENT = timedelta(days=7)  # heartbeats of workers that stopped (each restart is a new id)
REVOKED_TOKEN_KEPT = timedelta(days=30)  # revoked API tokens, never shown again

Extra = Callable[[], Awaitable[int]]


@dataclass(frozen=True)
class RetentionPolicy:
    notifications: timedelta
    audit: timedelta
    finished_downloads: timedelta

    @classmethod
    def from_settings(cls, settings: Settings) -> RetentionPolicy:
        return cls(
            notifications=timedelta(days=settings.notification_retention_days),
            audit=timedelta(days=settings.audit_retention_days),
            finished_downloads=timedelta(days=settings.download_retention_days),
        )


@dataclass
class Retention:
    sessions: async_sessionmaker[AsyncSession]
    policy: RetentionPolicy
    session_policy: SessionPolicy
    clock: Callable[[], datetime] = utcnow
    extras: dict[str, Extra] = field(default_factory=dict)

    def add(self, name: str, purge: Extra) -> None:
        """Another table's purge, run with the others (it returns how many rows it removed)."""
        self.extras[name] = purge

    async def purge(self) -> dict[str, int]:
        """Deletes what is past its age; returns the rows removed per table."""
        now = self.clock()
        sliding = (await self.session_policy.now()).sliding
        done = {
            "user_sessions": await self._batched(
                UserSession.id, user_sessions.ended(now, sliding), owner=UserSession.user_id
            ),
            "plex_pins": await self._batched(PlexPin.id, PlexPin.expires_at <= now - PIN_GRACE),
            "api_tokens": await self._batched(
                ApiToken.id, ApiToken.revoked_at <= now - REVOKED_TOKEN_KEPT, owner=ApiToken.user_id
            ),
            "notifications": await self._batched(
                Notification.id, Notification.created_at < now - self.policy.notifications
            ),
            "audit_log": await self._batched(
                AuditEntry.id, AuditEntry.at < now - self.policy.audit
            ),
            "download_jobs": await self._batched(
                DownloadJob.id,
                DownloadJob.state.in_([state.value for state in FINISHED])
                & (
                    func.coalesce(DownloadJob.finished_at, DownloadJob.updated_at)
                    < now - self.policy.finished_downloads
                ),
            ),
            "worker_heartbeats": await self._once(
                delete(WorkerHeartbeat).where(WorkerHeartbeat.last_seen < now - WORKER_SILENT)
            ),
        }
        for name, extra in self.extras.items():
            done[name] = await extra()
        if any(done.values()):
            log.info("old records deleted", **{k: v for k, v in done.items() if v})
        return done

    async def _batched(self, key: Any, condition: ColumnElement[bool], *, owner: Any = None) -> int:
        """Deletes in batches; with ``owner``, the people whose credentials went are noted, so
        every process's sign-in cache forgets them at commit."""
        table = key.class_
        total = 0
        while True:
            chosen = select(key).where(condition).limit(BATCH).scalar_subquery()
            statement = delete(table).where(key.in_(chosen))
            async with self.sessions.begin() as db:
                if owner is None:
                    removed = int((await db.execute(statement)).rowcount)  # type: ignore[attr-defined]
                else:
                    owners = list(await db.scalars(statement.returning(owner)))
                    for user_id in set(owners):
                        auth_watch.note(db, user_id)
                    removed = len(owners)
            total += removed
            if removed < BATCH:
                return total

    async def _once(self, statement: Any) -> int:
        async with self.sessions.begin() as db:
            result = await db.execute(statement)
        return int(result.rowcount)  # type: ignore[attr-defined]
