"""When a user is deleted: their downloads go to the heir, or go away (rows and files).

Registered in ``services.users.OWNERSHIP_HANDLERS`` on import. The handler runs inside the
deletion's transaction; a running download of a deleted job notices at its next progress step
(its rows are gone) and stops, removing its partial file.
"""

from __future__ import annotations

import asyncio

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from medianest.domain.download_safety import item_stem
from medianest.domain.downloads import ItemState
from medianest.persistence.models import DownloadItem, DownloadJob
from medianest.services.download_files import DownloadConfig, delete_files
from medianest.services.users import OWNERSHIP_HANDLERS

_CONFIG: list[DownloadConfig] = []  # the running container's download settings (set at build)


def configure(config: DownloadConfig) -> None:
    _CONFIG[:] = [config]


async def move_or_delete_downloads(db: AsyncSession, user_id: int, heir: int | None) -> None:
    if heir is not None:
        await db.execute(
            update(DownloadJob).where(DownloadJob.user_id == user_id).values(user_id=heir)
        )
        return
    jobs = list(await db.scalars(select(DownloadJob).where(DownloadJob.user_id == user_id)))
    for job in jobs:
        items = await db.scalars(select(DownloadItem).where(DownloadItem.job_id == job.id))
        files = [
            (
                item_stem(i.position if job.kind == "playlist" else None, i.title, i.video_id),
                i.archive_key,
            )
            for i in items
            if i.state in (ItemState.DONE, ItemState.DOWNLOADING) or i.file_name
        ]
        if _CONFIG and files:
            await asyncio.to_thread(delete_files, _CONFIG[0], job.folder, files)
        await db.delete(job)


if move_or_delete_downloads not in OWNERSHIP_HANDLERS:
    OWNERSHIP_HANDLERS.append(move_or_delete_downloads)
