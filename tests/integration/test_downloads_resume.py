"""Crash-safe resume: what a dead worker left in the download folder never breaks the video or
outlives its job. The media-host fake answers Range like a real host (206 / 416 past the end)."""

from __future__ import annotations

import os
import socket
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from sqlalchemy import delete, func, select, update

from medianest.app import create_app
from medianest.config import Settings
from medianest.domain.download_safety import item_stem
from medianest.integrations.youtube.fake_media import SD
from medianest.persistence.models import DownloadItem, DownloadJob, Notification
from tests.conftest import Login, PlexWorld
from tests.support.downloads import (
    MediaHost,
    api_post,
    download_overrides,
    files_under,
    finished,
    job_of,
    start,
)

PARTIAL = (".part", ".ytdl", ".temp", ".tmp")


def partials(root: Path) -> list[Path]:
    return [p for p in files_under(root) if p.name.endswith(PARTIAL) or ".part-Frag" in p.name]


@pytest.fixture
def settings_overrides(media_host: MediaHost, plex_world: PlexWorld) -> dict[str, object]:
    # The first app runs no consumer: the test plays the dead worker, a second app resumes.
    return download_overrides(media_host, plex_world, embedded_worker=False)


async def _folder_and_stem(app: FastAPI, settings: Settings, job_id: int) -> tuple[Path, str]:
    async with app.state.container.sessions() as db:
        job = await db.get(DownloadJob, job_id)
        item = await db.scalar(select(DownloadItem).where(DownloadItem.job_id == job_id))
    assert job is not None and item is not None
    folder = Path(settings.download_dir or "") / job.folder
    return folder, item_stem(None, item.title, item.video_id)


async def _as_if_a_worker_died(app: FastAPI, job_id: int) -> None:
    """The rows a SIGKILLed worker leaves: the video claimed by a process that is gone."""
    async with app.state.container.sessions.begin() as db:
        await db.execute(
            update(DownloadItem)
            .where(DownloadItem.job_id == job_id)
            .values(state="downloading", claimed_by="nowhere:1:dead", bytes_done=1)
        )
        await db.execute(
            update(DownloadJob).where(DownloadJob.id == job_id).values(state="downloading")
        )


async def test_a_part_file_complete_at_the_crash_is_downloaded_again_not_failed(
    login: Login, settings: Settings, media_host: MediaHost, app: FastAPI
) -> None:
    alice = await login("alice")
    job = await start(alice, media_host.watch("cozy-omelette"), "480p")
    folder, stem = await _folder_and_stem(app, settings, job["id"])
    video = media_host.state.videos["cozy-omelette"]
    whole = media_host.state.media.data(video.look, SD)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{stem}.mp4.part").write_bytes(whole)  # died after the last byte, before rename
    await _as_if_a_worker_died(app, job["id"])
    media_host.state.requests.clear()

    restarted = create_app(settings, start_worker=True)
    async with LifespanManager(restarted, startup_timeout=30, shutdown_timeout=30):
        done = await finished(alice, job["id"], timeout=45)

    assert done["state"] == "completed", done
    ranges = [r.range for r in media_host.state.requests if r.path == "/v/cozy-omelette.mp4"]
    assert f"bytes={len(whole)}-" in ranges  # the host refused the resume (416) ...
    assert None in ranges  # ... so it started again from zero
    media = folder / f"{stem}.mp4"
    assert media.read_bytes() == whole
    assert partials(Path(settings.download_dir or "")) == []


async def test_a_cancelled_job_whose_worker_died_keeps_no_part_file(
    login: Login, settings: Settings, media_host: MediaHost, app: FastAPI
) -> None:
    alice = await login("alice")
    job = await start(alice, media_host.watch("cozy-sourdough"), "480p")
    folder, stem = await _folder_and_stem(app, settings, job["id"])
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{stem}.mp4.part").write_bytes(b"\0" * 4096)
    await _as_if_a_worker_died(app, job["id"])
    response = await api_post(alice, f"/api/v1/downloads/{job['id']}/cancel")
    assert response.status_code == 200, response.text
    assert (await job_of(alice, job["id"]))["state"] == "downloading"  # its video still "runs"

    restarted = create_app(settings, start_worker=True)  # start-up finds the dead worker
    async with LifespanManager(restarted, startup_timeout=30, shutdown_timeout=30):
        done = await finished(alice, job["id"], timeout=30)

    assert done["state"] == "cancelled"
    assert partials(Path(settings.download_dir or "")) == []


async def test_a_video_that_fails_keeps_no_part_file(
    login: Login, settings: Settings, media_host: MediaHost, app: FastAPI
) -> None:
    alice = await login("alice")
    job = await start(alice, media_host.watch("synth-night-grid"), "480p")
    folder, stem = await _folder_and_stem(app, settings, job["id"])
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{stem}.mp4.part").write_bytes(b"\0" * 4096)
    await _as_if_a_worker_died(app, job["id"])
    media_host.state.set_missing("synth-night-grid")  # gone from the host since the crash

    restarted = create_app(settings, start_worker=True)
    async with LifespanManager(restarted, startup_timeout=30, shutdown_timeout=30):
        done = await finished(alice, job["id"], timeout=30)

    assert done["state"] == "failed"
    assert partials(Path(settings.download_dir or "")) == []


async def _rewind_to_plex_step(app: FastAPI, job_id: int, holder: str, *, fresh: bool) -> None:
    """The rows a process leaves when it dies (or is still busy) looking at Plex for a job."""
    async with app.state.container.sessions.begin() as db:
        values: dict[str, object] = {
            "state": "processing",
            "plex_state": "waiting",
            "plex_attempts": 1,
            "plex_claimed_by": holder,
            "finished_at": None,
        }
        if not fresh:
            values["updated_at"] = datetime.now(UTC) - timedelta(hours=1)
            # It died after Plex made the collection, before the key was recorded.
            values["plex_collection_key"] = None
        await db.execute(update(DownloadJob).where(DownloadJob.id == job_id).values(**values))
        await db.execute(delete(Notification))


async def test_a_plex_step_cut_by_a_crash_is_done_once_and_a_running_one_is_left_alone(
    login: Login, settings: Settings, media_host: MediaHost, plex_world: PlexWorld, app: FastAPI
) -> None:
    alice = await login("alice")
    first = create_app(settings, start_worker=True)
    async with LifespanManager(first, startup_timeout=30, shutdown_timeout=30):
        job = await start(alice, media_host.rss("synthwave-study-mix"), "480p")
        done = await finished(alice, job["id"], timeout=60)
    key = done["plex"]["collection_key"]
    assert done["state"] == "completed" and key

    def same_titled_collections() -> int:  # the fake Plex is shared with earlier tests
        items = plex_world.plex.items.values()
        return sum(1 for i in items if i.type == "collection" and i.title == "Synthwave Study Mix")

    collections_before = same_titled_collections()

    busy = f"elsewhere:{os.getpid()}:alive"  # another machine, heard from just now
    await _rewind_to_plex_step(app, job["id"], busy, fresh=True)
    second = create_app(settings, start_worker=True)
    async with LifespanManager(second, startup_timeout=30, shutdown_timeout=30):
        recovery = await second.state.container.downloads.reconcile()
        assert recovery.processing == 0  # its running Plex step is not queued a second time
        assert (await job_of(alice, job["id"]))["state"] == "processing"

    dead = f"{socket.gethostname()}:{os.getpid()}:deadbeef"  # this machine, an old instance
    await _rewind_to_plex_step(app, job["id"], dead, fresh=False)
    third = create_app(settings, start_worker=True)
    async with LifespanManager(third, startup_timeout=30, shutdown_timeout=30):
        again = await finished(alice, job["id"], timeout=30)
        async with third.state.container.sessions() as db:
            notices = await db.scalar(select(func.count(Notification.id)))
    assert again["state"] == "completed" and again["plex"]["collection_key"] == key
    assert same_titled_collections() == collections_before  # no second collection
    assert len(plex_world.plex.collection_members(plex_world.plex.items[int(key)])) == 3
    assert notices == 1
