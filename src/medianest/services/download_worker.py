"""The worker side of downloads: one video per job-queue task, in a consumer thread.

``run_next`` (blocking, in a Huey thread) claims a video on the event loop, runs yt-dlp in the
thread, and records the outcome on the loop. Progress is throttled to two stores per second per
running video, each of which also reads the job's cancel flag; a heartbeat thread keeps the
claim alive during long silent steps (merging) and notices a cancel even then.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from medianest.domain.download_safety import inside, item_stem
from medianest.domain.downloads import ItemState, JobState, PlexState, Throttle, settle
from medianest.integrations.youtube.client import YoutubeClient, archive_path, find_media_file
from medianest.integrations.youtube.guard import UrlGuard
from medianest.integrations.youtube.models import (
    Cancelled,
    DownloadSpec,
    Progress,
    YoutubeError,
)
from medianest.observability.logging import get_logger
from medianest.persistence.models import DownloadItem, DownloadJob
from medianest.persistence.types import utcnow
from medianest.realtime.bus import EventBus
from medianest.services import download_view as view
from medianest.services import notifications
from medianest.services.download_claims import Claim, Claimer
from medianest.services.download_files import DownloadConfig, delete_partials, prune_empty_folder
from medianest.services.download_policy import HostPolicySource

log = get_logger(__name__)
T = TypeVar("T")
Runner = Callable[[Coroutine[Any, Any, T], float | None], T]
PROGRESS_INTERVAL = 0.5


class DownloadQueue(Protocol):
    """What the worker asks the job queue for (implemented in ``jobs.download_jobs``)."""

    def work(self, count: int = 1) -> None: ...
    def plex(self, job_id: int, attempt: int, delay: float = 0.0) -> None: ...


@dataclass(frozen=True)
class Outcome:
    state: ItemState
    error: str | None = None
    file_name: str | None = None
    archive_key: str | None = None
    size: int = 0


class DownloadWorker:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        bus: EventBus,
        config: DownloadConfig,
        policy: HostPolicySource,
        claimer: Claimer,
        ffmpeg: str | None,
    ) -> None:
        self.sessions = sessions
        self.bus = bus
        self.config = config
        self.policy = policy
        self.claimer = claimer
        self.ffmpeg = ffmpeg
        self.queue: DownloadQueue | None = None
        self.run: Runner[Any] | None = None

    def bind(self, queue: DownloadQueue, run: Runner[Any]) -> None:
        self.queue, self.run = queue, run

    async def enqueue_work(self, count: int = 1) -> None:
        if self.queue is not None and count > 0:
            await asyncio.to_thread(self.queue.work, count)

    # -- in the consumer thread ------------------------------------------------------------------

    def run_next(self) -> bool:
        """Downloads one video if a slot and a video are free; False when there was nothing."""
        assert self.run is not None, "DownloadWorker.bind() was not called"
        config: DownloadConfig = self.run(self.config.tuned(), None)
        waiting = config.low_disk_reason()
        claim: Claim | None = self.run(self._claim(waiting, config.concurrency), None)
        if claim is None:
            return False
        outcome = self._download(claim)
        self.run(self._finish(claim, outcome), None)
        return True

    def _download(self, claim: Claim) -> Outcome:
        assert self.run is not None
        run = self.run
        cancel = threading.Event()
        throttle = Throttle(PROGRESS_INTERVAL)

        def on_progress(progress: Progress) -> None:
            due = throttle.ready(time.monotonic(), force=progress.status == "finished")
            if due and run(self._progress(claim, progress), 30.0):
                cancel.set()

        try:
            folder = self.config.folder(claim.folder)
            guard = UrlGuard(run(self.policy.current(), 30.0))
            client = YoutubeClient(guard, ffmpeg=self.ffmpeg)
            spec = DownloadSpec(
                url=claim.url,
                quality=claim.quality,
                folder=folder,
                stem=claim.stem,
                archive=archive_path(folder),
                position=claim.position if claim.kind == "playlist" else None,
                rate_limit_bps=self.config.rate_limit_bps,
                source=claim.source if claim.kind == "playlist" else None,
            )
            with _Heartbeat(lambda: run(self._touch(claim), 30.0), cancel, self._beat()):
                result = client.download(spec, on_progress, cancel.is_set)
        except Cancelled:
            return Outcome(ItemState.CANCELLED, "Cancelled.")
        except YoutubeError as exc:
            return Outcome(ItemState.FAILED, exc.message[:500])
        except Exception as exc:
            log.exception("download crashed", job=claim.job_id, item=claim.item_id)
            return Outcome(ItemState.FAILED, f"Unexpected error: {type(exc).__name__}")
        media = result.media_file or find_media_file(folder, claim.stem)
        if media is not None and not inside(str(self.config.root), str(media.resolve())):
            media.unlink(missing_ok=True)  # cannot happen with our names; never keep it if it does
            return Outcome(ItemState.FAILED, "The file name left the download folder.")
        state = ItemState.DONE if result.status == "done" else ItemState.SKIPPED
        return Outcome(state, None, media.name if media else None, result.archive_key, result.size)

    def _beat(self) -> float:
        return max(1.0, min(10.0, self.config.stale_seconds / 4))

    # -- on the event loop -----------------------------------------------------------------------

    async def _claim(self, waiting: str | None, cap: int) -> Claim | None:
        if waiting:
            await self._mark_waiting(waiting)
            return None
        async with self.sessions.begin() as db:
            claim = await self.claimer.claim(db, cap)
        if claim is not None:
            await self._publish_job(claim.job_id, claim.user_id)
        return claim

    async def _mark_waiting(self, reason: str) -> None:
        async with self.sessions.begin() as db:
            jobs = list(
                await db.scalars(
                    select(DownloadJob).where(
                        DownloadJob.state == JobState.QUEUED,
                        (DownloadJob.wait_reason.is_(None)) | (DownloadJob.wait_reason != reason),
                    )
                )
            )
            for job in jobs:
                job.wait_reason = reason
        for job in jobs:
            await self._publish_job(job.id, job.user_id)

    async def _progress(self, claim: Claim, progress: Progress) -> bool:
        """Stores one progress sample and publishes it; True when the job should stop."""
        async with self.sessions.begin() as db:
            item = await db.get(DownloadItem, claim.item_id)
            job = await db.get(DownloadJob, claim.job_id)
            if item is None or job is None or item.claimed_by != self.claimer.me:
                return True
            item.bytes_done = progress.downloaded
            item.bytes_total = progress.total or item.bytes_total
            item.speed, item.eta = progress.speed, progress.eta
            item.heartbeat_at = utcnow()
            items = list(
                await db.scalars(select(DownloadItem).where(DownloadItem.job_id == job.id))
            )
            data = {
                "id": job.id,
                "state": job.state,
                "totals": view.totals(items),
                "item": view.item_view(item),
            }
            stop = job.cancel_requested
        await view.publish(self.bus, view.EVENT_PROGRESS, claim.user_id, data)
        return stop

    async def _touch(self, claim: Claim) -> bool:
        async with self.sessions.begin() as db:
            await db.execute(
                update(DownloadItem)
                .where(DownloadItem.id == claim.item_id, DownloadItem.claimed_by == self.claimer.me)
                .values(heartbeat_at=utcnow())
            )
            job = await db.get(DownloadJob, claim.job_id)
            return job is None or job.cancel_requested

    async def _finish(self, claim: Claim, outcome: Outcome) -> None:
        async with self.sessions.begin() as db:
            job = await db.get(DownloadJob, claim.job_id, with_for_update=True)
            item = await db.get(DownloadItem, claim.item_id)
            if job is None or item is None or item.claimed_by != self.claimer.me:
                await self.enqueue_work()
                return  # deleted meanwhile, or taken over by the reconciler
            item.state = outcome.state
            item.error = outcome.error
            item.speed = item.eta = None
            item.claimed_by = None
            if outcome.file_name:
                item.file_name = outcome.file_name
                item.archive_key = outcome.archive_key or item.archive_key
                item.bytes_done = max(item.bytes_done, outcome.size)
                item.bytes_total = item.bytes_total or item.bytes_done
            settled = await settle_job(db, job, self.config)
            note = failed_note(job) if settled == JobState.FAILED else None
        if note is not None:
            await notifications.deliver(self.sessions, self.bus, [claim.user_id], note)
        await self._publish_job(claim.job_id, claim.user_id)
        if settled == JobState.PROCESSING and self.queue is not None:
            await asyncio.to_thread(self.queue.plex, claim.job_id, 0, 0.0)
        await self.enqueue_work()

    async def _publish_job(self, job_id: int, user_id: int) -> None:
        await view.publish_job(self.sessions, self.bus, job_id, user_id)


async def settle_job(db: AsyncSession, job: DownloadJob, config: DownloadConfig) -> JobState | None:
    """After an item changed: cancels what a cancel left, and moves a job with nothing open on
    to processing (something to put in Plex), failed or cancelled; returns that state.

    A job that settles loses its part-files before the change commits: a crash in between
    leaves the job open, and whoever settles it later sweeps again."""
    items = list(await db.scalars(select(DownloadItem).where(DownloadItem.job_id == job.id)))
    if job.cancel_requested:
        for other in items:
            if other.state == ItemState.PENDING:
                other.state = ItemState.CANCELLED
    final = settle((i.state for i in items), cancel_requested=job.cancel_requested)
    job.updated_at = utcnow()
    if final is None:
        return None
    await sweep_partials(db, config, job, items)
    if final in (JobState.COMPLETED, JobState.PARTIALLY_COMPLETED):
        job.state = JobState.PROCESSING
        job.plex_attempts = 0
        job.plex_state = PlexState.NONE
        return JobState.PROCESSING
    job.state = final
    job.finished_at = utcnow()
    job.cancel_requested = False
    if final == JobState.FAILED:
        job.error = next((i.error for i in items if i.error), "Nothing could be downloaded.")
    await prune_unused_folder(db, config, job)
    return final


async def sweep_partials(
    db: AsyncSession, config: DownloadConfig, job: DownloadJob, items: list[DownloadItem]
) -> None:
    """Deletes the part-files of a job's videos, except those another job in the same folder
    (the same playlist started twice) is downloading right now."""
    busy = await db.scalars(
        select(DownloadItem)
        .join(DownloadJob, DownloadJob.id == DownloadItem.job_id)
        .where(
            DownloadJob.folder == job.folder,
            DownloadJob.id != job.id,
            DownloadItem.state == ItemState.DOWNLOADING,
        )
    )
    taken = {_stem_of(job.kind, item) for item in busy}
    stems = [s for s in (_stem_of(job.kind, i) for i in items) if s not in taken]
    await asyncio.to_thread(delete_partials, config, job.folder, stems)


async def prune_unused_folder(db: AsyncSession, config: DownloadConfig, job: DownloadJob) -> None:
    """A failed or cancelled job leaves no empty folder behind, unless another open job (the
    same playlist started twice) still writes into it."""
    shared = await db.scalar(
        select(DownloadJob.id)
        .where(
            DownloadJob.folder == job.folder,
            DownloadJob.id != job.id,
            DownloadJob.state.in_([JobState.QUEUED, JobState.DOWNLOADING, JobState.PROCESSING]),
        )
        .limit(1)
    )
    if shared is None:
        await asyncio.to_thread(prune_empty_folder, config, job.folder)


def _stem_of(kind: str, item: DownloadItem) -> str:
    return item_stem(item.position if kind == "playlist" else None, item.title, item.video_id)


def failed_note(job: DownloadJob) -> notifications.NewNotification:
    return notifications.NewNotification(
        kind="download_failed",
        title=f"Download failed: {job.title}",
        body=(job.error or "Nothing could be downloaded.")[:500],
        link="/downloads",
        level="error",
    )


class _Heartbeat:
    """While a video downloads: tells the database we are alive, and hears about cancels."""

    def __init__(self, beat: Callable[[], bool], cancel: threading.Event, every: float) -> None:
        self._beat, self._cancel, self._every = beat, cancel, every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="download-heartbeat", daemon=True)

    def __enter__(self) -> _Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _loop(self) -> None:
        while not self._stop.wait(self._every):
            try:
                if self._beat():
                    self._cancel.set()
            except Exception as exc:  # the database may blink; the next beat tries again
                log.warning("download heartbeat failed", error=type(exc).__name__)
