"""Changing a download: cancel, retry, retry the Plex step, delete (files and collection).

Admins may do these to anyone's job (each such action is in the audit log); everyone else only
to their own, and another person's job looks like it does not exist.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm.interfaces import ORMOption

from medianest.domain.download_safety import item_stem
from medianest.domain.downloads import (
    FINISHED,
    ItemState,
    JobState,
    PlexState,
    check_transition,
)
from medianest.domain.errors import Conflict, NotFound
from medianest.domain.users import Actor
from medianest.integrations.base import IntegrationError
from medianest.observability.logging import get_logger
from medianest.persistence.models import DownloadItem, DownloadJob
from medianest.persistence.types import utcnow
from medianest.realtime.bus import EventBus
from medianest.services import audit
from medianest.services import download_view as view
from medianest.services.download_files import DownloadConfig, delete_files
from medianest.services.download_worker import DownloadWorker, settle_job
from medianest.services.integrations import Integrations

log = get_logger(__name__)


class DownloadActions:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        bus: EventBus,
        config: DownloadConfig,
        worker: DownloadWorker,
        integrations: Integrations,
    ) -> None:
        self.sessions = sessions
        self.bus = bus
        self.config = config
        self.worker = worker
        self.integrations = integrations

    async def visible(
        self,
        db: AsyncSession,
        actor: Actor,
        job_id: int,
        *,
        lock: bool = False,
        options: Sequence[ORMOption] = (),
    ) -> DownloadJob:
        """The job, if this person may see it; otherwise NotFound (the same for "not there")."""
        job = await db.get(DownloadJob, job_id, with_for_update=lock, options=options)
        if job is None or (not actor.is_admin and job.user_id != actor.user_id):
            raise NotFound("No such download.")
        return job

    def _audit(self, db: AsyncSession, actor: Actor, job: DownloadJob, action: str) -> None:
        if job.user_id != actor.user_id:
            audit.record(
                db,
                actor,
                f"download_{action}",
                f"{action.capitalize()} someone else's download “{job.title}”",
                target_type="download",
                target_id=job.id,
                target_label=job.title,
            )

    async def _publish(self, job_id: int, user_id: int) -> dict[str, Any]:
        data = await view.publish_job(self.sessions, self.bus, job_id, user_id)
        return data or {}

    async def cancel(self, actor: Actor, job_id: int) -> dict[str, Any]:
        """A queued job stops at once; a running one at its next progress step (≈ a second),
        when the worker also removes the partial files."""
        async with self.sessions.begin() as db:
            job = await self.visible(db, actor, job_id, lock=True)
            if job.state not in (JobState.QUEUED, JobState.DOWNLOADING):
                raise Conflict("Only a queued or running download can be cancelled.")
            job.cancel_requested = True
            await settle_job(db, job, self.config)
            self._audit(db, actor, job, "cancelled")
            user_id = job.user_id
        return await self._publish(job_id, user_id)

    async def retry(self, actor: Actor, job_id: int) -> dict[str, Any]:
        """Puts the failed and cancelled videos of a finished job back in the queue."""
        async with self.sessions.begin() as db:
            job = await self.visible(db, actor, job_id, lock=True)
            job.state = check_transition(job.state, JobState.QUEUED)
            items = await db.scalars(
                select(DownloadItem).where(
                    DownloadItem.job_id == job.id,
                    DownloadItem.state.in_([ItemState.FAILED, ItemState.CANCELLED]),
                )
            )
            count = 0
            for item in items:
                item.state, item.error, item.claimed_by = ItemState.PENDING, None, None
                count += 1
            job.cancel_requested = False
            job.error = job.finished_at = None
            job.plex_state = PlexState.NONE
            job.updated_at = utcnow()
            self._audit(db, actor, job, "retried")
            user_id = job.user_id
        data = await self._publish(job_id, user_id)
        cap = (await self.config.tuned()).concurrency
        await self.worker.enqueue_work(min(max(count, 1), cap))
        return data

    async def retry_plex(self, actor: Actor, job_id: int) -> dict[str, Any]:
        """For a job flagged "not yet in Plex": look at Plex again (scan, wait, collection)."""
        async with self.sessions.begin() as db:
            job = await self.visible(db, actor, job_id, lock=True)
            if job.plex_state != PlexState.MISSING:
                raise Conflict("This download is not waiting for Plex.")
            job.state = check_transition(job.state, JobState.PROCESSING)
            job.plex_attempts = 0
            job.plex_state = PlexState.WAITING
            job.updated_at = utcnow()
            user_id = job.user_id
        data = await self._publish(job_id, user_id)
        if self.worker.queue is not None:
            await asyncio.to_thread(self.worker.queue.plex, job_id, 0, 0.0)
        return data

    async def delete(self, actor: Actor, job_id: int) -> None:
        """Removes a finished job: its rows, its files, and its Plex collection (unless another
        job of the same playlist still uses that collection)."""
        async with self.sessions.begin() as db:
            job = await self.visible(db, actor, job_id, lock=True)
            if JobState(job.state) not in FINISHED:
                raise Conflict("Cancel the download first; only finished downloads can be deleted.")
            items = list(
                await db.scalars(select(DownloadItem).where(DownloadItem.job_id == job.id))
            )
            files = [
                (
                    item_stem(i.position if job.kind == "playlist" else None, i.title, i.video_id),
                    i.archive_key,
                )
                for i in items
                if i.state == ItemState.DONE or i.file_name
            ]
            shared = 0
            if job.plex_collection_key:
                shared = int(
                    await db.scalar(
                        select(func.count(DownloadJob.id)).where(
                            DownloadJob.plex_collection_key == job.plex_collection_key,
                            DownloadJob.id != job.id,
                        )
                    )
                    or 0
                )
            folder, collection, user_id = job.folder, job.plex_collection_key, job.user_id
            self._audit(db, actor, job, "deleted")
            await db.delete(job)
        await asyncio.to_thread(delete_files, self.config, folder, files)
        await self._forget_in_plex(folder, collection if not shared else None)
        await view.publish(self.bus, view.EVENT_DELETED, user_id, {"id": job_id})

    async def _forget_in_plex(self, folder: str, collection: str | None) -> None:
        client, section = self.integrations.plex, self.config.plex_section
        if client is None or not section or not section.isdigit():
            return
        try:
            if collection:
                await client.delete_collection(collection)
            await client.refresh_section(int(section), str(self.config.folder(folder)))
        except IntegrationError as exc:  # the files are gone; Plex notices at its next scan
            log.info("plex cleanup after delete failed", error=str(exc)[:200])
