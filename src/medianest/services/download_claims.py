"""Taking the next video to download: the concurrency cap and the turns between people.

A claim is one short transaction: count what runs, pick fairly (domain ``pick_fair``), mark the
item ``downloading`` with who runs it. Claims are serialised by an asyncio lock in one process
and by a PostgreSQL advisory lock across processes, so the cap holds with many workers.
"""

from __future__ import annotations

import asyncio
import os
import socket
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from medianest.domain.download_safety import item_stem
from medianest.domain.downloads import ACTIVE, Candidate, ItemState, JobState, pick_fair
from medianest.persistence.models import DownloadItem, DownloadJob
from medianest.persistence.types import utcnow

_CLAIM_LOCK_KEY = 0x4D4E444C  # "MNDL"


def worker_identity() -> str:
    """``host:pid:instance``: the instance tells this container from an earlier one in the same
    process (tests restart the consumer in-process)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def holder_is_gone(claimed_by: str | None, me: str) -> bool:
    """Whether the worker that claimed an item is certainly dead (same machine only; other
    machines are judged by their heartbeat)."""
    if not claimed_by:
        return True
    try:
        host, pid_text, instance = claimed_by.rsplit(":", 2)
        pid = int(pid_text)
    except ValueError:
        return True
    my_host, my_pid, my_instance = me.rsplit(":", 2)
    if host != my_host:
        return False
    if pid == int(my_pid):
        return instance != my_instance
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


@dataclass(frozen=True)
class Claim:
    item_id: int
    job_id: int
    user_id: int
    url: str
    quality: str
    kind: str
    folder: str
    position: int
    title: str
    video_id: str | None
    source: dict[str, Any] | None = None

    @property
    def stem(self) -> str:
        return item_stem(
            self.position if self.kind == "playlist" else None, self.title, self.video_id
        )


class Claimer:
    def __init__(self, me: str, cap: int) -> None:
        self.me = me
        self.cap = cap
        self._lock = asyncio.Lock()

    async def claim(self, db: AsyncSession, cap: int | None = None) -> Claim | None:
        """In the caller's transaction; the caller commits, then publishes. ``cap``: the
        concurrency in force now (the admin may change it), else the one given at start."""
        async with self._lock:
            if db.get_bind().dialect.name == "postgresql":
                await db.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _CLAIM_LOCK_KEY})
            running = await self._running_by_user(db)
            if sum(running.values()) >= (cap or self.cap):
                return None
            picked = pick_fair(await self._candidates(db), running, await self._last_starts(db))
            if picked is None:
                return None
            now = utcnow()
            claimed = await db.execute(
                update(DownloadItem)
                .where(DownloadItem.id == picked.item_id, DownloadItem.state == ItemState.PENDING)
                .values(
                    state=ItemState.DOWNLOADING,
                    claimed_by=self.me,
                    heartbeat_at=now,
                    started_at=now,
                    error=None,
                )
            )
            if claimed.rowcount != 1:  # type: ignore[attr-defined]
                return None
            job = await db.get(DownloadJob, picked.job_id, with_for_update=True)
            item = await db.get(DownloadItem, picked.item_id)
            assert job is not None and item is not None
            if job.state == JobState.QUEUED:
                job.state = JobState.DOWNLOADING
                job.started_at = job.started_at or now
            job.wait_reason = None
            job.updated_at = now
            return Claim(
                item.id,
                job.id,
                job.user_id,
                job.url,
                job.quality,
                job.kind,
                job.folder,
                item.position,
                item.title,
                item.video_id,
                await _source_of(db, item.id),
            )

    async def _running_by_user(self, db: AsyncSession) -> dict[int, int]:
        rows = await db.execute(
            select(DownloadJob.user_id, func.count(DownloadItem.id))
            .join(DownloadJob, DownloadJob.id == DownloadItem.job_id)
            .where(DownloadItem.state == ItemState.DOWNLOADING)
            .group_by(DownloadJob.user_id)
        )
        return {int(user): int(count) for user, count in rows.all()}

    async def _last_starts(self, db: AsyncSession) -> dict[int, datetime]:
        rows = await db.execute(
            select(DownloadJob.user_id, func.max(DownloadItem.started_at))
            .join(DownloadJob, DownloadJob.id == DownloadItem.job_id)
            .where(DownloadJob.state.in_(list(ACTIVE)), DownloadItem.started_at.is_not(None))
            .group_by(DownloadJob.user_id)
        )
        return {int(user): started for user, started in rows.all() if started is not None}

    async def _candidates(self, db: AsyncSession) -> list[Candidate]:
        """The first pending video of every job that may run (one per job is enough)."""
        firsts = (
            select(DownloadItem.job_id, func.min(DownloadItem.position).label("position"))
            .where(DownloadItem.state == ItemState.PENDING)
            .group_by(DownloadItem.job_id)
            .subquery()
        )
        rows = await db.execute(
            select(
                DownloadItem.id,
                DownloadJob.id,
                DownloadJob.user_id,
                DownloadJob.created_at,
                DownloadItem.position,
            )
            .join(firsts, firsts.c.job_id == DownloadItem.job_id)
            .join(DownloadJob, DownloadJob.id == DownloadItem.job_id)
            .where(
                DownloadItem.position == firsts.c.position,
                DownloadItem.state == ItemState.PENDING,
                DownloadJob.state.in_([JobState.QUEUED, JobState.DOWNLOADING]),
                DownloadJob.cancel_requested.is_(False),
            )
        )
        return [Candidate(*row) for row in rows.all()]

    async def orphans(self, db: AsyncSession, stale_after: timedelta) -> list[DownloadItem]:
        """Running items whose worker is gone: dead on this machine, or silent for too long."""
        rows = await db.scalars(
            select(DownloadItem).where(DownloadItem.state == ItemState.DOWNLOADING)
        )
        limit = utcnow() - stale_after
        return [
            item
            for item in rows
            if holder_is_gone(item.claimed_by, self.me)
            or item.heartbeat_at is None
            or item.heartbeat_at < limit
        ]

    async def release(self, db: AsyncSession, item: DownloadItem) -> bool:
        """Puts an orphaned item back in the queue, exactly once (compare-and-set on holder)."""
        done = await db.execute(
            update(DownloadItem)
            .where(
                DownloadItem.id == item.id,
                DownloadItem.state == ItemState.DOWNLOADING,
                DownloadItem.claimed_by == item.claimed_by
                if item.claimed_by
                else DownloadItem.claimed_by.is_(None),
            )
            .values(
                state=ItemState.PENDING,
                claimed_by=None,
                speed=None,
                eta=None,
                resumes=DownloadItem.resumes + 1,
            )
        )
        return bool(done.rowcount == 1)  # type: ignore[attr-defined]


async def _source_of(db: AsyncSession, item_id: int) -> dict[str, Any] | None:
    source = await db.scalar(select(DownloadItem.source).where(DownloadItem.id == item_id))
    return source if isinstance(source, dict) else None
