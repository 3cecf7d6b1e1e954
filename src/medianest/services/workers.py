"""Job consumers report that they are alive; operators read it on /readyz and the admin pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from medianest.persistence.models import Base, WorkerHeartbeat
from medianest.persistence.types import utcnow
from medianest.persistence.upsert import upsert


@dataclass(frozen=True)
class WorkerSeen:
    worker_id: str
    hostname: str
    last_seen: datetime
    jobs_run: int


async def record_heartbeat(
    sessions: async_sessionmaker[AsyncSession], worker_id: str, hostname: str
) -> WorkerSeen:
    now = utcnow()
    table = Base.metadata.tables[WorkerHeartbeat.__tablename__]
    async with sessions.begin() as session:
        # Two consumer threads of one worker may beat at once: an upsert cannot collide.
        await upsert(
            session,
            table,
            {"worker_id": worker_id, "hostname": hostname, "last_seen": now, "jobs_run": 1},
            conflict=["worker_id"],
            update={"hostname": hostname, "last_seen": now, "jobs_run": table.c.jobs_run + 1},
        )
        row = await session.get(WorkerHeartbeat, worker_id, populate_existing=True)
        assert row is not None
        return WorkerSeen(row.worker_id, row.hostname, row.last_seen, row.jobs_run)


async def recent_workers(
    sessions: async_sessionmaker[AsyncSession], within: timedelta = timedelta(minutes=5)
) -> list[WorkerSeen]:
    async with sessions() as session:
        rows = await session.scalars(
            select(WorkerHeartbeat)
            .where(WorkerHeartbeat.last_seen >= utcnow() - within)
            .order_by(WorkerHeartbeat.worker_id)
        )
        return [WorkerSeen(r.worker_id, r.hostname, r.last_seen, r.jobs_run) for r in rows]
