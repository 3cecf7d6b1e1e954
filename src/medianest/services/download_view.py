"""What pages, the API and live events show of a job: one dict shape for all three."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from medianest.domain.downloads import ACTIVE, ITEM_GOOD, ItemState, JobState, PlexState, percent
from medianest.domain.events import Event, for_owner_and_admins
from medianest.persistence.models import DownloadItem, DownloadJob, User
from medianest.realtime.bus import EventBus

EVENT_JOB = "download.job"  # the whole job (state changes, new jobs)
EVENT_PROGRESS = "download.progress"  # one video's bytes/speed/ETA plus the job's totals
EVENT_DELETED = "download.deleted"


def item_view(item: DownloadItem) -> dict[str, Any]:
    return {
        "id": item.id,
        "position": item.position,
        "video_id": item.video_id,
        "title": item.title,
        "state": item.state,
        "bytes_done": item.bytes_done,
        "bytes_total": item.bytes_total,
        "percent": 100.0
        if item.state == ItemState.DONE
        else percent(item.bytes_done, item.bytes_total),
        "speed": item.speed,
        "eta": item.eta,
        "error": item.error,
    }


def totals(items: list[DownloadItem]) -> dict[str, Any]:
    """Overall progress: finished videos count whole, the running ones by their bytes."""
    count = len(items)
    good = sum(1 for i in items if i.state in ITEM_GOOD)
    failed = sum(1 for i in items if i.state == ItemState.FAILED)
    running = [i for i in items if i.state == ItemState.DOWNLOADING]
    partial = sum((percent(i.bytes_done, i.bytes_total) or 0.0) / 100 for i in running)
    speed = sum(i.speed or 0.0 for i in running) or None
    etas = [i.eta for i in running if i.eta is not None]
    return {
        "count": count,
        "done": good,
        "failed": failed,
        "running": len(running),
        "percent": round(100.0 * (good + failed + partial) / count, 1) if count else 0.0,
        "bytes_done": sum(i.bytes_done for i in items),
        "speed": speed,
        "eta": max(etas) if etas else None,
    }


def job_view(
    job: DownloadJob, items: list[DownloadItem], owner: str, *, has_thumbnail: bool
) -> dict[str, Any]:
    """``has_thumbnail`` comes from the query: the thumbnail blob itself is deferred."""
    state = JobState(job.state)
    return {
        "id": job.id,
        "url": job.url,
        "title": job.title,
        "kind": job.kind,
        "quality": job.quality,
        "owner": owner,
        "user_id": job.user_id,
        "state": state.value,
        "state_label": state.label,
        "active": state in ACTIVE,
        "cancellable": state in (JobState.QUEUED, JobState.DOWNLOADING),
        "retryable": state in (JobState.FAILED, JobState.CANCELLED, JobState.PARTIALLY_COMPLETED),
        "deletable": state.finished,
        "wait_reason": job.wait_reason,
        "error": job.error,
        "plex": {
            "state": job.plex_state,
            "not_yet_in_plex": job.plex_state == PlexState.MISSING,
            "message": job.plex_message,
            "collection_key": job.plex_collection_key,
            "collection_title": job.plex_collection_title,
            "link": (
                f"/library/collections/{job.plex_collection_key}"
                if job.plex_collection_key
                else None
            ),
        },
        "has_thumbnail": has_thumbnail,
        "created_at": job.created_at.isoformat(),
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
        "totals": totals(items),
        "failures": [
            {"position": i.position, "title": i.title, "error": i.error}
            for i in items
            if i.state == ItemState.FAILED
        ],
        "items": [item_view(i) for i in items],
    }


async def load_view(db: AsyncSession, job_id: int) -> dict[str, Any] | None:
    views = await load_views(db, [job_id])
    return views[0] if views else None


async def load_views(db: AsyncSession, ids: Sequence[int]) -> list[dict[str, Any]]:
    """The views of these jobs, in the order given; jobs that are gone are left out.
    Two queries whatever the number of jobs (the jobs with their owners, then their items)."""
    if not ids:
        return []
    rows = (
        await db.execute(
            select(DownloadJob, User.display_name, DownloadJob.thumbnail.is_not(None))
            .join(User, User.id == DownloadJob.user_id)
            .where(DownloadJob.id.in_(ids))
        )
    ).all()
    found = {job.id: (job, owner, bool(has_thumbnail)) for job, owner, has_thumbnail in rows}
    items: dict[int, list[DownloadItem]] = defaultdict(list)
    if found:
        for item in await db.scalars(
            select(DownloadItem)
            .where(DownloadItem.job_id.in_(list(found)))
            .order_by(DownloadItem.job_id, DownloadItem.position)
        ):
            items[item.job_id].append(item)
    views = []
    for job_id in ids:
        if job_id in found:
            job, owner, has_thumbnail = found[job_id]
            views.append(job_view(job, items[job_id], owner, has_thumbnail=has_thumbnail))
    return views


async def publish_job(
    sessions: async_sessionmaker[AsyncSession], bus: EventBus, job_id: int, user_id: int
) -> dict[str, Any] | None:
    """Loads the job's view (in a session of its own) and sends it as a job event; the view,
    or None when the job is gone (then nothing is sent)."""
    async with sessions() as db:
        data = await load_view(db, job_id)
    if data is not None:
        await publish(bus, EVENT_JOB, user_id, data)
    return data


async def publish(bus: EventBus, kind: str, user_id: int, data: dict[str, Any]) -> None:
    """To the owner's pages, and to admins (who see everyone's jobs)."""
    await bus.publish(Event(kind, data, audience=for_owner_and_admins(user_id)))
