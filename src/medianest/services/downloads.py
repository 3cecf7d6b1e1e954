"""YouTube downloads, as people use them: resolve a URL, start, list, cancel, retry, delete.

Authorization lives here: people see and change only their own jobs (others' answer 404),
admins everyone's (audited). Order of side effects: commit, then publish, then enqueue.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import undefer

from medianest.domain.download_safety import UnsafeUrl, job_folder
from medianest.domain.downloads import JobState, Quality, parse_quality
from medianest.domain.errors import InvalidInput, NotFound, RateLimited, ServiceDown
from medianest.domain.text import plain_text
from medianest.domain.users import Actor
from medianest.integrations.youtube.client import YoutubeClient
from medianest.integrations.youtube.guard import UrlGuard
from medianest.integrations.youtube.models import (
    Entry,
    MediaUnavailable,
    Resolved,
    UnsafeFetch,
    Unsupported,
    YoutubeError,
)
from medianest.persistence.models import DownloadItem, DownloadJob
from medianest.realtime.bus import EventBus
from medianest.services import download_recovery, users
from medianest.services import download_view as view
from medianest.services.download_actions import DownloadActions
from medianest.services.download_files import DownloadConfig
from medianest.services.download_plex import DownloadPlex
from medianest.services.download_policy import HostPolicySource
from medianest.services.download_worker import DownloadWorker
from medianest.services.integrations import Integrations
from medianest.services.ratelimit import Limiter, adjustable_per_minutes

RESOLVE_TIMEOUT = 60.0
PREVIEW_SECONDS = 900.0
MAX_PREVIEWS = 200


@dataclass(frozen=True)
class Preview:
    """A resolved URL, shown for confirmation; ``token`` lets the Download button reuse it."""

    token: str
    user_id: int
    url: str
    quality: Quality
    resolved: Resolved
    thumbnail: bytes | None = None
    expires: float = field(default_factory=lambda: time.monotonic() + PREVIEW_SECONDS)


class DownloadService(DownloadActions):
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        bus: EventBus,
        limiter: Limiter,
        config: DownloadConfig,
        policy: HostPolicySource,
        worker: DownloadWorker,
        plex: DownloadPlex,
        integrations: Integrations,
        ffmpeg: str | None,
    ) -> None:
        super().__init__(sessions, bus, config, worker, integrations)
        self.limiter = limiter
        self.policy = policy
        self.plex = plex
        self.ffmpeg = ffmpeg
        self._previews: dict[str, Preview] = {}

    # -- resolve and start -----------------------------------------------------------------------

    async def preview(self, actor: Actor, url: str, quality: str | None) -> Preview:
        """Checks the URL (allow-list, addresses, every redirect hop) and lists what it holds."""
        assert actor.user_id is not None
        chosen = parse_quality(quality)
        guard = UrlGuard(await self.policy.current())
        final = await asyncio.to_thread(guard.follow, (url or "").strip())
        client = YoutubeClient(guard, ffmpeg=self.ffmpeg)
        limit = (await self.config.tuned()).max_playlist
        try:
            resolved = await asyncio.wait_for(
                asyncio.to_thread(client.resolve, final, max_entries=limit), RESOLVE_TIMEOUT
            )
        except UnsafeFetch as exc:
            raise UnsafeUrl(exc.message) from None
        except (Unsupported, MediaUnavailable) as exc:
            raise InvalidInput(f"Nothing to download there: {exc.message}", field="url") from None
        except (YoutubeError, TimeoutError) as exc:
            raise ServiceDown("The video site did not answer in time; try again.") from exc
        if resolved.count > limit or len(resolved.entries) > limit:
            raise InvalidInput(
                f"This playlist has {resolved.count} videos; the limit is {limit} per download.",
                field="url",
            )
        if not resolved.entries:
            raise InvalidInput("That playlist is empty.", field="url")
        thumb = None
        if resolved.thumbnail:
            thumb = await asyncio.to_thread(client.fetch_thumbnail, resolved.thumbnail)
        preview = Preview(secrets.token_urlsafe(16), actor.user_id, final, chosen, resolved, thumb)
        self._remember(preview)
        return preview

    def _remember(self, preview: Preview) -> None:
        now = time.monotonic()
        for token in [t for t, p in self._previews.items() if p.expires < now]:
            del self._previews[token]
        while len(self._previews) >= MAX_PREVIEWS:
            del self._previews[next(iter(self._previews))]
        self._previews[preview.token] = preview

    def preview_of(self, actor: Actor, token: str | None) -> Preview | None:
        found = self._previews.get(token or "")
        if found is None or found.user_id != actor.user_id or found.expires < time.monotonic():
            return None
        return found

    async def create(
        self, actor: Actor, url: str, quality: str | None, token: str | None = None
    ) -> dict[str, Any]:
        """Starts a download (resolving again unless ``token`` names this person's preview)."""
        assert actor.user_id is not None
        config = await self.config.tuned()
        rule = adjustable_per_minutes(config.jobs_per_hour, 60)
        key = f"downloads:{actor.user_id}"
        wait = await self.limiter.retry_after(rule, key)
        if wait is not None:
            raise RateLimited(
                f"You can start {config.jobs_per_hour} downloads per hour; "
                f"try again in {max(1, wait // 60)} min.",
                wait,
            )
        preview = self.preview_of(actor, token)
        if preview is None or parse_quality(quality) != preview.quality:
            preview = await self.preview(actor, url, quality)
        self._previews.pop(preview.token, None)
        waiting = await asyncio.to_thread(config.low_disk_reason)
        async with self.sessions.begin() as db:
            job = await self._insert(db, actor, preview, waiting)
        await self.limiter.hit(rule, key)
        data = await self.view(job.id)
        await view.publish(self.bus, view.EVENT_JOB, job.user_id, data)
        await self.worker.enqueue_work(min(len(preview.resolved.entries), config.concurrency))
        return data

    async def _insert(
        self, db: AsyncSession, actor: Actor, preview: Preview, waiting: str | None
    ) -> DownloadJob:
        user = await users.get_user(db, actor.user_id)
        found = preview.resolved
        playlist = found.kind == "playlist"
        job = DownloadJob(
            user_id=user.id,
            url=preview.url,
            quality=preview.quality.value,
            kind=found.kind,
            source_id=found.source_id[:2000],
            title=plain_text(found.title)[:500],
            state=JobState.QUEUED,
            folder=job_folder(user.username, found.title, found.source_id if playlist else None),
            thumbnail=preview.thumbnail,
            thumbnail_type="image/jpeg" if preview.thumbnail else None,
            cancel_requested=False,
            wait_reason=waiting,
            plex_state="none",
            plex_attempts=0,
        )
        self.config.folder(job.folder)  # refuses a folder outside the root (cannot happen)
        db.add(job)
        await db.flush()
        db.add_all(_item(job.id, entry) for entry in found.entries)
        return job

    async def reconcile(self) -> download_recovery.Recovery:
        """At start-up: resume what a crash or restart left behind (see download_recovery)."""
        return await download_recovery.reconcile(self.worker, at_start=True)

    # -- reading ---------------------------------------------------------------------------------

    async def list(
        self, actor: Actor, *, everyone: bool = False, limit: int = 50
    ) -> list[dict[str, Any]]:
        """Newest first: the person's own jobs, or everyone's for an admin who asks."""
        async with self.sessions() as db:
            query = (
                select(DownloadJob.id)
                .order_by(DownloadJob.id.desc())
                .limit(max(1, min(limit, 200)))
            )
            if not (everyone and actor.is_admin):
                query = query.where(DownloadJob.user_id == actor.user_id)
            ids = list(await db.scalars(query))
            return await view.load_views(db, ids)

    async def get(self, actor: Actor, job_id: int) -> dict[str, Any]:
        async with self.sessions() as db:
            await self.visible(db, actor, job_id)
            data = await view.load_view(db, job_id)
        if data is None:
            raise NotFound("No such download.")
        return data

    async def view(self, job_id: int) -> dict[str, Any]:
        async with self.sessions() as db:
            data = await view.load_view(db, job_id)
        if data is None:
            raise NotFound("No such download.")
        return data

    async def thumbnail(self, actor: Actor, job_id: int) -> tuple[bytes, str] | None:
        async with self.sessions() as db:
            # The blob is deferred (not loaded with every job read): this is the one read of it.
            job = await self.visible(db, actor, job_id, options=[undefer(DownloadJob.thumbnail)])
            if not job.thumbnail:
                return None
            return job.thumbnail, job.thumbnail_type or "image/jpeg"


def _item(job_id: int, entry: Entry) -> DownloadItem:
    return DownloadItem(
        job_id=job_id,
        position=entry.position,
        video_id=(entry.video_id or "")[:200] or None,
        title=plain_text(entry.title)[:500],
        state="pending",
        bytes_done=0,
        resumes=0,
        source=entry.source,
    )
