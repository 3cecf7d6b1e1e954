"""After the files: scan that folder in Plex, wait for the items, make or grow the collection.

Each look at Plex is one short job-queue task; the next look is scheduled with backoff
(``domain.downloads.plex_delay``) instead of sleeping in a worker thread. Every task carries
its attempt number and claims it by compare-and-set, so a task re-enqueued by the start-up
reconciler never runs twice. When Plex is missing, down, or never lists the files within
``download_plex_wait_seconds``, the job still ends completed, flagged "not yet in Plex".
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Collection
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from medianest.domain.downloads import ITEM_GOOD, JobState, PlexState, plex_delay, settle
from medianest.domain.errors import DomainError
from medianest.integrations.base import IntegrationError, NotFound
from medianest.integrations.plex.client import MAX_PAGE_SIZE, PlexServerClient
from medianest.integrations.plex.models import MediaItem
from medianest.observability.logging import get_logger
from medianest.persistence.models import DownloadItem, DownloadJob, User
from medianest.persistence.types import utcnow
from medianest.realtime.bus import EventBus
from medianest.services import download_view as view
from medianest.services import notifications
from medianest.services.download_files import DownloadConfig
from medianest.services.download_worker import DownloadQueue
from medianest.services.integrations import Integrations
from medianest.services.plex_server import ConfiguredPlexServer

log = get_logger(__name__)
SUMMARY = "Created by MediaNest from a YouTube playlist"
RESCAN_EVERY = 4  # looks; a scan request can be lost when Plex was busy
Invalidate = Callable[[int], Awaitable[None]]


class DownloadPlex:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        bus: EventBus,
        integrations: Integrations,
        plex_server: ConfiguredPlexServer,
        config: DownloadConfig,
        invalidate_section: Invalidate | None = None,
        me: str = "",
    ) -> None:
        self.me = me  # this process's identity, as held on the job during a look
        self.sessions = sessions
        self.bus = bus
        self.integrations = integrations
        self.plex_server = plex_server
        self.config = config
        # Hook for the library browser's cache (bumped after a collection changed).
        self.invalidate_section = invalidate_section
        self.queue: DownloadQueue | None = None

    async def created_collections(self) -> Collection[str]:
        """Rating keys of the collections downloads made (the library browser marks them)."""
        async with self.sessions() as db:
            keys = await db.scalars(
                select(DownloadJob.plex_collection_key)
                .where(DownloadJob.plex_collection_key.is_not(None))
                .distinct()
            )
            return {k for k in keys if k}

    async def sync(self, job_id: int, attempt: int) -> None:
        try:
            await self._look(job_id, attempt)
        finally:
            async with self.sessions.begin() as db:
                await db.execute(
                    update(DownloadJob)
                    .where(DownloadJob.id == job_id, DownloadJob.plex_claimed_by == self.me)
                    .values(plex_claimed_by=None)
                )

    async def _look(self, job_id: int, attempt: int) -> None:
        async with self.sessions.begin() as db:
            taken = await db.execute(
                update(DownloadJob)
                .where(
                    DownloadJob.id == job_id,
                    DownloadJob.state == JobState.PROCESSING,
                    DownloadJob.plex_attempts == attempt,
                )
                .values(
                    plex_attempts=attempt + 1,
                    plex_state=PlexState.WAITING,
                    plex_claimed_by=self.me,
                    updated_at=utcnow(),
                )
            )
            if taken.rowcount != 1:  # type: ignore[attr-defined]
                return  # done already, deleted, or another copy of this task took it
            job = await db.get(DownloadJob, job_id)
            assert job is not None
            items = await _good_items(db, job_id)
            owner = await db.get(User, job.user_id)
        folder = self.config.folder(job.folder)
        files = {str(folder / i.file_name) for i in items if i.file_name}
        client, section = self.integrations.plex, self.config.plex_section
        if client is None or not section or not section.isdigit():
            await self._finish(job_id, PlexState.MISSING, "No Plex YouTube library is set up.")
            return
        if not files:
            await self._finish(job_id, PlexState.DONE, "Nothing new for Plex.")
            return
        problem = "Plex has not listed the new files yet."
        try:
            if attempt % RESCAN_EVERY == 0:
                await client.refresh_section(int(section), str(folder))
            found = await client.items_by_path(int(section), str(folder))
            keys = [rk for f in sorted(files) for rk in _keys_for(found, f)]
            if len(keys) >= len(files):
                await _retitle(client, job, items, found, folder)
                name = owner.display_name if owner else "someone"
                key, title = await self._collect(client, int(section), job, keys, name)
                await self._finish(job_id, PlexState.DONE, None, key, title)
                return
        except (IntegrationError, DomainError) as exc:
            problem = "Plex is not answering right now."
            log.info("plex step failed", job=job_id, error=str(exc)[:200])
        delay = plex_delay(attempt, self.config.plex_wait_seconds)
        if delay is None or self.queue is None:
            await self._finish(job_id, PlexState.MISSING, problem)
            return
        await asyncio.to_thread(self.queue.plex, job_id, attempt + 1, delay)

    async def _collect(
        self, client: PlexServerClient, section: int, job: DownloadJob, keys: list[str], owner: str
    ) -> tuple[str | None, str | None]:
        if job.kind != "playlist":
            return None, None
        machine = await self.plex_server.machine_identifier()
        key = job.plex_collection_key or await self._earlier_collection(job)
        if key:
            try:
                present = await _collection_keys(client, key)
                new = [k for k in keys if k not in present]
                await client.add_to_collection(key, new, machine_identifier=machine)
                return key, job.plex_collection_title or job.title
            except NotFound:
                log.info("collection gone from Plex, making a new one", key=key)
        title = await self._title(job, owner)
        if job.plex_collection_title == title:
            # An earlier run wrote the title down, then died around making the collection:
            # take up the one it may have made rather than make a second.
            found = [
                c for c in await client.collections(section) if c.title == title and not c.smart
            ]
            if found:  # the newest: the one that run made just before it died
                newest = max(
                    found, key=lambda c: int(c.rating_key) if c.rating_key.isdigit() else -1
                )
                present = await _collection_keys(client, newest.rating_key)
                new = [k for k in keys if k not in present]
                await client.add_to_collection(newest.rating_key, new, machine_identifier=machine)
                return newest.rating_key, title
        async with self.sessions.begin() as db:  # written before Plex is asked, for that case
            await db.execute(
                update(DownloadJob)
                .where(DownloadJob.id == job.id)
                .values(plex_collection_title=title)
            )
        made = await client.create_collection(section, title, keys, machine_identifier=machine)
        return made.rating_key, made.title or title

    async def _earlier_collection(self, job: DownloadJob) -> str | None:
        """The collection an earlier download of the same playlist by the same person made."""
        async with self.sessions() as db:
            return await db.scalar(
                select(DownloadJob.plex_collection_key)
                .where(
                    DownloadJob.user_id == job.user_id,
                    DownloadJob.folder == job.folder,
                    DownloadJob.plex_collection_key.is_not(None),
                )
                .order_by(DownloadJob.id.desc())
                .limit(1)
            )

    async def _title(self, job: DownloadJob, owner: str) -> str:
        """The playlist's title, unless someone else's collection already has it."""
        async with self.sessions() as db:
            taken = await db.scalar(
                select(DownloadJob.id).where(
                    DownloadJob.plex_collection_title == job.title,
                    DownloadJob.user_id != job.user_id,
                    DownloadJob.plex_collection_key.is_not(None),
                )
            )
        return f"{job.title} ({owner})" if taken else job.title

    async def _finish(
        self,
        job_id: int,
        plex: PlexState,
        message: str | None,
        key: str | None = None,
        title: str | None = None,
    ) -> None:
        async with self.sessions.begin() as db:
            job = await db.get(DownloadJob, job_id, with_for_update=True)
            if job is None or job.state != JobState.PROCESSING:
                return
            states = await db.scalars(
                select(DownloadItem.state).where(DownloadItem.job_id == job_id)
            )
            job.state = settle(states, cancel_requested=False) or JobState.COMPLETED
            job.plex_state, job.plex_message = plex, message
            if key:
                job.plex_collection_key, job.plex_collection_title = key, title
            job.finished_at = job.updated_at = utcnow()
            user_id = job.user_id
            note = finished_note(job)
        if key and self.invalidate_section and (self.config.plex_section or "").isdigit():
            await self.invalidate_section(int(self.config.plex_section or 0))
        await notifications.deliver(self.sessions, self.bus, [user_id], note)
        await view.publish_job(self.sessions, self.bus, job_id, user_id)


def finished_note(job: DownloadJob) -> notifications.NewNotification:
    """The inbox line for a finished job: a link to its collection when there is one."""
    partial = job.state == JobState.PARTIALLY_COMPLETED
    if job.plex_collection_key:
        link = f"/library/collections/{job.plex_collection_key}"
        body = f"It is in Plex as the collection “{job.plex_collection_title}”."
    else:
        link = "/downloads"
        body = (
            "It is in Plex."
            if job.plex_state == PlexState.DONE
            else "Downloaded, but not yet in Plex: " + (job.plex_message or "try again later.")
        )
    if partial:
        body = "Some videos could not be downloaded. " + body
    return notifications.NewNotification(
        kind="download_finished",
        title=f"Download finished: {job.title}",
        body=body,
        link=link,
        level="warning" if partial or job.plex_state == PlexState.MISSING else "success",
    )


async def _good_items(db: AsyncSession, job_id: int) -> list[DownloadItem]:
    rows = await db.scalars(
        select(DownloadItem).where(
            DownloadItem.job_id == job_id, DownloadItem.state.in_(list(ITEM_GOOD))
        )
    )
    return list(rows)


def sort_title(position: int | None, title: str) -> str:
    """Plex sorts by this: the playlist index first keeps the playlist's order."""
    return title if position is None else f"{position:04d} {title}"


async def _retitle(
    client: PlexServerClient,
    job: DownloadJob,
    items: list[DownloadItem],
    found: list[MediaItem],
    folder: Path,
) -> None:
    """Give each scanned item its video's real title; Plex's scanner took it from the file name.

    Cosmetic, so a refusal is logged and the job goes on."""
    for item in sorted(items, key=lambda i: i.position):
        file = str(folder / item.file_name) if item.file_name else None
        media = next((m for m in found if file in m.files), None)
        if media is None or not item.title.strip():
            continue
        position = item.position if job.kind == "playlist" else None
        try:
            await client.edit_title(
                media.rating_key, media.type, item.title, sort_title(position, item.title)
            )
        except (IntegrationError, ValueError) as exc:
            log.info("plex title edit failed", job=job.id, item=item.id, error=str(exc)[:200])


def _keys_for(found: list[MediaItem], file: str) -> list[str]:
    return [item.rating_key for item in found if file in item.files][:1]


async def _collection_keys(client: PlexServerClient, key: str) -> set[str]:
    present: set[str] = set()
    start = 0
    while True:
        page = await client.collection_items(key, start=start, size=MAX_PAGE_SIZE)
        present.update(i.rating_key for i in page.items)
        start += len(page.items)
        if not page.items or start >= page.total:
            return present
