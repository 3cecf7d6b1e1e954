"""Crash and restart: find what a dead worker left running, and put it back exactly once.

At start-up (and every minute) a video still marked ``downloading`` whose worker is dead on
this machine, or silent for ``download_stale_seconds``, goes back to ``pending`` by
compare-and-set on its holder, so two reconcilers cannot both release it and only one worker can
claim it again. yt-dlp then continues the ``.part`` file (from zero when the host refuses the
range) and the folder's archive skips videos that were finished. A cancelled job whose running
video was lost settles here, since nothing would claim that video again. Jobs stuck in
``processing`` get their Plex step queued again when the process holding it died, never while
it runs (that step claims its attempt number, so a duplicate never runs).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from medianest.domain.downloads import ItemState, JobState
from medianest.observability.logging import get_logger
from medianest.persistence.models import DownloadItem, DownloadJob
from medianest.persistence.types import utcnow
from medianest.services import download_view as view
from medianest.services.download_claims import holder_is_gone
from medianest.services.download_worker import DownloadWorker, settle_job

log = get_logger(__name__)


@dataclass(frozen=True)
class Recovery:
    released: int
    pending: int
    processing: int


async def reconcile(worker: DownloadWorker, *, at_start: bool) -> Recovery:
    stale = timedelta(seconds=worker.config.stale_seconds)
    released = 0
    cancelled: list[tuple[int, int]] = []
    async with worker.sessions.begin() as db:
        for item in await worker.claimer.orphans(db, stale):
            if await worker.claimer.release(db, item):
                released += 1
        cancelled = await _settle_cancelled(db, worker)
        pending = int(
            await db.scalar(
                select(func.count(DownloadItem.id))
                .join(DownloadJob, DownloadJob.id == DownloadItem.job_id)
                .where(
                    DownloadItem.state == ItemState.PENDING,
                    DownloadJob.state.in_([JobState.QUEUED, JobState.DOWNLOADING]),
                )
            )
            or 0
        )
        stuck = await _stuck_in_plex(db, worker, stale, at_start=at_start)
    if released:
        log.warning("downloads resumed after a lost worker", videos=released)
    for job_id, user_id in cancelled:
        await view.publish_job(worker.sessions, worker.bus, job_id, user_id)
    if pending:
        await worker.enqueue_work(min(pending, (await worker.config.tuned()).concurrency))
    if worker.queue is not None:
        for job_id, attempt in stuck:
            await asyncio.to_thread(worker.queue.plex, int(job_id), int(attempt), 0.0)
    return Recovery(released, pending, len(stuck))


async def _settle_cancelled(db: AsyncSession, worker: DownloadWorker) -> list[tuple[int, int]]:
    """Cancelled jobs whose running video was lost: nothing will claim that video again, so
    the job settles here (and loses its part-files)."""
    open_jobs = await db.scalars(
        select(DownloadJob).where(
            DownloadJob.cancel_requested.is_(True),
            DownloadJob.state.in_([JobState.QUEUED, JobState.DOWNLOADING]),
        )
    )
    settled = []
    for job in list(open_jobs):
        if await settle_job(db, job, worker.config) is not None:
            settled.append((job.id, job.user_id))
    return settled


async def _stuck_in_plex(
    db: AsyncSession, worker: DownloadWorker, stale: timedelta, *, at_start: bool
) -> list[tuple[int, int]]:
    """Jobs whose Plex step died with its process (any time), or whose next look may have been
    lost with the queue (at start): never one whose look is running in a live process."""
    rows = await db.execute(
        select(
            DownloadJob.id,
            DownloadJob.plex_attempts,
            DownloadJob.plex_claimed_by,
            DownloadJob.updated_at,
        ).where(DownloadJob.state == JobState.PROCESSING)
    )
    limit = utcnow() - stale
    stuck = []
    for job_id, attempt, holder, updated in rows.all():
        if holder is None:
            lost = at_start
        else:
            lost = holder_is_gone(holder, worker.claimer.me) or updated is None or updated < limit
        if lost:
            stuck.append((int(job_id), int(attempt)))
    return stuck
