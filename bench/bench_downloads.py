"""Throughput of a playlist download through MediaNest's job path (resolve, queue, claim, yt-dlp,
progress rows and events, archive) next to a plain HTTP copy of the same files in the same run.

The media-host fake serves an HTML playlist of 720p files on 127.0.0.1 at 2 MiB/s per
connection (a home line's share of a video host); both sides fetch with the same parallelism
(MediaNest's download concurrency), so the ratio is MediaNest's overhead. Goal: >= 0.9x.
Also counts how often the playlist page was requested (once per job, not once per video).
"""

from __future__ import annotations

import asyncio
import logging
import tempfile
import time
from pathlib import Path

import httpx
from asgi_lifespan import LifespanManager
from sqlalchemy import select

from medianest.app import create_app
from medianest.config import DEFAULT_ALLOWED_DOWNLOAD_HOSTS, Settings
from medianest.container import Container
from medianest.domain.users import Actor
from medianest.integrations.fakekit import FakeServer
from medianest.integrations.youtube.fake import MediaHostFakeState
from medianest.integrations.youtube.fake import create_app as media_app
from medianest.integrations.youtube.fake_media import HD, MediaLook
from medianest.observability.logging import configure_logging
from medianest.persistence import migrate
from medianest.persistence.models import DownloadJob, User
from medianest.services.downloads import DownloadService

VIDEOS = 8
CONCURRENCY = 2
RATE = 2 * 1024 * 1024  # bytes per second per connection
CLIP = MediaLook("testsrc2", 24, 440)  # 720p, a few MB: seconds per file at RATE


def _playlist(state: MediaHostFakeState) -> list[str]:
    ids = [f"bench-{n:02d}" for n in range(VIDEOS)]
    for video_id in ids:
        state.add_video(video_id, f"Bench clip {video_id}", look=CLIP)
    state.add_playlist("bench", "Bench Playlist", ids)
    state.add_video("warm-up", "Warm-up clip")
    state.media.warm({CLIP}, [HD])
    state.set_slow(None, RATE)
    return ids


async def _plain_copy(base: str, ids: list[str], folder: Path) -> tuple[int, float]:
    """GET every file with httpx, CONCURRENCY at a time, streaming to disk."""
    queue: asyncio.Queue[str] = asyncio.Queue()
    for video_id in ids:
        queue.put_nowait(video_id)
    total = 0

    async def fetch(http: httpx.AsyncClient) -> None:
        nonlocal total
        while not queue.empty():
            video_id = queue.get_nowait()
            async with http.stream("GET", f"{base}/v/{video_id}.mp4?q=720") as response:
                with (folder / f"{video_id}.mp4").open("wb") as out:
                    async for chunk in response.aiter_bytes():
                        out.write(chunk)
                        total += len(chunk)

    started = time.perf_counter()
    async with httpx.AsyncClient(timeout=60) as http:
        await asyncio.gather(*(fetch(http) for _ in range(CONCURRENCY)))
    return total, time.perf_counter() - started


async def _wait(service: DownloadService, container: Container, job_id: int) -> float:
    started = time.perf_counter()
    while True:
        async with container.sessions() as db:
            row = await db.get(DownloadJob, job_id)
            assert row is not None
            if row.state not in ("queued", "downloading"):
                return time.perf_counter() - started
        await asyncio.sleep(0.02)


async def _through_medianest(
    settings: Settings, url: str, warm_url: str
) -> tuple[int, float, float]:
    app = create_app(settings, start_worker=True)
    async with LifespanManager(app, startup_timeout=60, shutdown_timeout=60):
        container = app.state.container
        service = container.downloads
        async with container.sessions() as db:
            admin = await db.scalar(select(User).where(User.username_key == "admin"))
        assert service is not None and admin is not None
        actor = Actor(admin.id, admin.username, admin.role)
        # yt-dlp loads its extractors on first use (seconds): timed apart, as a fresh worker's
        # one-off cost, so the playlist figure is the steady state.
        started = time.perf_counter()
        warm = await service.create(actor, warm_url, "best")
        await _wait(service, container, warm["id"])
        warm_s = time.perf_counter() - started
        started = time.perf_counter()
        job = await service.create(actor, url, "best")
        await _wait(service, container, job["id"])
        elapsed = time.perf_counter() - started
        view = await service.view(job["id"])
    assert view["totals"]["done"] == VIDEOS, view["state"]
    return int(view["totals"]["bytes_done"]), elapsed, warm_s


async def run() -> None:
    configure_logging("warning", "json")
    logging.getLogger("medianest.access").setLevel(logging.WARNING)
    state = MediaHostFakeState()
    ids = _playlist(state)
    server = FakeServer(media_app(state)).start()
    try:
        with tempfile.TemporaryDirectory() as folder:
            root = Path(folder)
            (root / "data").mkdir()
            settings = Settings(
                _env_file=None,  # type: ignore[call-arg]
                data_dir=root / "data",
                download_dir=root / "downloads",
                download_allowed_hosts=",".join(
                    (*DEFAULT_ALLOWED_DOWNLOAD_HOSTS, server.url.removeprefix("http://"))
                ),
                download_concurrency=CONCURRENCY,
                download_min_free_mb=0,
                embedded_worker=True,
                worker_threads=CONCURRENCY + 1,
                demo=False,
                log_level="warning",
            )
            await migrate.upgrade_url(settings.resolved_database_url)
            (root / "plain").mkdir()
            plain_bytes, plain_s = await _plain_copy(server.url, ids, root / "plain")
            mn_bytes, mn_s, warm_s = await _through_medianest(
                settings, f"{server.url}/playlist/bench.html", f"{server.url}/watch/warm-up"
            )
            pages = sum(1 for r in state.requests if r.path == "/playlist/bench.html")
    finally:
        server.stop()
    plain_rate = plain_bytes / plain_s / 1e6
    mn_rate = mn_bytes / mn_s / 1e6
    print(
        f"playlist: {VIDEOS} videos (720p, {plain_bytes / VIDEOS / 1e6:.1f} MB each), "
        f"{CONCURRENCY} at a time, media-host fake on 127.0.0.1 at {RATE / 1048576:.0f} MiB/s"
        " per connection"
    )
    print(
        f"{'plain httpx copy':<28}{plain_bytes / 1e6:8.2f} MB {plain_s:7.2f} s {plain_rate:8.2f} MB/s"
    )
    print(f"{'MediaNest job path':<28}{mn_bytes / 1e6:8.2f} MB {mn_s:7.2f} s {mn_rate:8.2f} MB/s")
    print(f"ratio (MediaNest / plain): {mn_rate / plain_rate:.2f}x throughput (goal >= 0.90x)")
    overhead = max(0.0, mn_s - plain_s) * CONCURRENCY / VIDEOS
    print(f"fixed cost per video: {overhead:.2f} s (claim, sidecars, progress rows, archive)")
    print(f"playlist page requests for the job: {pages} (URL check + one listing; was 2 + 1/video)")
    print(f"(a fresh worker's first download also pays yt-dlp's start-up: {warm_s:.2f} s)")


def main() -> None:
    asyncio.run(run())


if __name__ == "__main__":
    main()
