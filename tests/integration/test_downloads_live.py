"""Downloads: live progress over SSE, Plex trouble after the download, turns between people."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from medianest.config import Settings
from medianest.persistence.models import DownloadItem, DownloadJob
from tests.conftest import Login, PlexWorld
from tests.support.downloads import (
    MediaHost,
    api_post,
    download_overrides,
    finished,
    job_of,
    start,
)
from tests.support.servers import running_app
from tests.support.signin import sign_in_with_plex
from tests.support.waiting import wait_for


@pytest.fixture
def settings_overrides(media_host: MediaHost, plex_world: PlexWorld) -> dict[str, object]:
    return download_overrides(media_host, plex_world, download_plex_wait_seconds=2)


async def test_progress_events_reach_the_owners_event_stream(
    settings: Settings, media_host: MediaHost, plex_world: PlexWorld
) -> None:
    media_host.state.set_slow("single-slow-rain", 64 * 1024)
    with running_app(settings, start_worker=True) as server:
        async with (
            httpx.AsyncClient(base_url=server.url, timeout=10) as alice,
            httpx.AsyncClient(base_url=server.url, timeout=10) as bob,
        ):
            await sign_in_with_plex(alice, plex_world.plextv, "alice")
            await sign_in_with_plex(bob, plex_world.plextv, "bob")
            seen: dict[str, list[dict[str, Any]]] = {"alice": [], "bob": []}

            async def listen(who: str, http: httpx.AsyncClient, ready: asyncio.Event) -> None:
                async with http.stream("GET", "/events") as response:
                    async for line in response.aiter_lines():
                        if line.startswith("event: hello"):
                            ready.set()
                        if line.startswith("data:") and "download." in line:
                            event = json.loads(line.split(":", 1)[1])
                            seen[who].append(event)
                            if (
                                event["type"] == "download.job"
                                and event["data"]["state"] == "completed"
                            ):
                                return

            ready_a, ready_b = asyncio.Event(), asyncio.Event()
            tasks = [
                asyncio.create_task(listen("alice", alice, ready_a)),
                asyncio.create_task(listen("bob", bob, ready_b)),
            ]
            await asyncio.wait_for(asyncio.gather(ready_a.wait(), ready_b.wait()), 5)
            job = await start(alice, media_host.watch("single-slow-rain"), "480p")
            await asyncio.wait_for(tasks[0], 30)
            tasks[1].cancel()
    progress = [e["data"] for e in seen["alice"] if e["type"] == "download.progress"]
    assert len(progress) >= 3
    done = [p["item"]["bytes_done"] for p in progress]
    assert done == sorted(done) and done[-1] == progress[-1]["item"]["bytes_total"]
    assert any(p["item"]["speed"] for p in progress)
    assert all(p["id"] == job["id"] for p in progress)
    assert seen["bob"] == []  # nobody else's stream hears about it
    # Throttled: the file took seconds, in 16 KiB chunks, but only ~2 stores a second.
    assert len(progress) < len(done) * 2 + 5


async def test_plex_down_after_download_leaves_it_completed_not_yet_in_plex(
    login: Login, media_host: MediaHost, plex_world: PlexWorld
) -> None:
    alice = await login("alice")
    plex_world.plex.faults.down = True
    job = await start(alice, media_host.rss("synthwave-study-mix"), "480p")
    done = await finished(alice, job["id"], timeout=30)
    assert done["state"] == "completed" and done["totals"]["done"] == 3
    assert done["plex"]["not_yet_in_plex"] and "not answering" in done["plex"]["message"]
    page = (await alice.get("/downloads")).text
    assert "Not yet in Plex" in page and "Try Plex again" in page

    plex_world.plex.faults.down = False
    again = await api_post(alice, f"/api/v1/downloads/{job['id']}/retry-plex")
    assert again.status_code == 200 and again.json()["state"] == "processing"
    fixed = await finished(alice, job["id"], timeout=30)
    assert fixed["state"] == "completed" and fixed["plex"]["state"] == "done"
    assert fixed["plex"]["collection_title"] == "Synthwave Study Mix"


async def test_a_scan_that_never_finishes_is_bounded(
    login: Login, media_host: MediaHost, plex_world: PlexWorld
) -> None:
    bob = await login("bob")
    plex_world.plex.scan_never_finishes = True
    try:
        job = await start(bob, media_host.watch("single-sunrise"), "480p")
        done = await finished(bob, job["id"], timeout=30)
    finally:
        plex_world.plex.scan_never_finishes = False
    assert done["state"] == "completed"
    assert done["plex"]["not_yet_in_plex"] and "not listed" in done["plex"]["message"]


async def test_a_long_playlist_takes_turns_with_someone_elses_video(
    settings: Settings, media_host: MediaHost, plex_world: PlexWorld
) -> None:
    from asgi_lifespan import LifespanManager

    from medianest.app import create_app
    from tests.support.signin import sign_in_with_plex as plex_sign_in

    one_at_a_time = settings.model_copy(update={"download_concurrency": 1})
    media_host.state.set_slow("cozy-knife-skills", 40 * 1024)
    app = create_app(one_at_a_time)
    async with LifespanManager(app, startup_timeout=30, shutdown_timeout=30):
        transport = httpx.ASGITransport(app=app)
        async with (
            httpx.AsyncClient(transport=transport, base_url="http://t") as alice,
            httpx.AsyncClient(transport=transport, base_url="http://t") as bob,
        ):
            await plex_sign_in(alice, plex_world.plextv, "alice")
            await plex_sign_in(bob, plex_world.plextv, "bob")
            long_job = await start(alice, media_host.rss("cozy-cooking-basics"), "480p")

            async def first_video_running() -> bool:
                items = (await job_of(alice, long_job["id"]))["items"]
                return bool(items) and items[0]["state"] == "downloading"

            await wait_for(first_video_running)  # alice's first video is running (slowly)
            short_job = await start(bob, media_host.watch("single-sunrise"), "480p")
            await finished(alice, long_job["id"], timeout=60)
            await finished(bob, short_job["id"], timeout=60)
        async with app.state.container.sessions() as db:
            rows = await db.execute(
                select(DownloadJob.user_id, DownloadItem.position, DownloadItem.started_at)
                .join(DownloadJob, DownloadJob.id == DownloadItem.job_id)
                .order_by(DownloadItem.started_at)
            )
            users = [user for user, _, _ in rows.all()]
    # alice's first video, then bob's single video, then the rest of alice's playlist.
    assert users[0] == users[2] == users[3] == users[4] and users[1] != users[0]


async def test_low_disk_space_keeps_new_jobs_waiting_with_the_reason(
    settings: Settings, media_host: MediaHost, plex_world: PlexWorld
) -> None:
    from asgi_lifespan import LifespanManager

    from medianest.app import create_app

    full_disk = settings.model_copy(update={"download_min_free_mb": 10_000_000})
    app = create_app(full_disk)
    async with LifespanManager(app, startup_timeout=30, shutdown_timeout=30):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as alice:
            await sign_in_with_plex(alice, plex_world.plextv, "alice")
            job = await start(alice, media_host.watch("single-sunrise"), "480p")
            assert job["state"] == "queued" and "Waiting for disk space" in job["wait_reason"]
            worker = app.state.container.downloads.worker
            assert await asyncio.to_thread(worker.run_next) is False  # it looked, and left it
            again = (await alice.get(f"/api/v1/downloads/{job['id']}")).json()
            assert again["state"] == "queued" and again["items"][0]["state"] == "pending"
            assert "Waiting for disk space" in (await alice.get("/downloads")).text
