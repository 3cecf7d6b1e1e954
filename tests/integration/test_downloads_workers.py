"""Downloads with `medianest worker` processes: a killed worker's job resumes exactly once, and
with Redis a separate worker's progress reaches the web process's event bus."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from asgi_lifespan import LifespanManager
from pydantic import SecretStr
from sqlalchemy import func, select

from medianest.app import create_app
from medianest.config import Settings
from medianest.persistence.models import DownloadItem, Notification
from tests.conftest import Login, PlexWorld, make_settings
from tests.support import backends
from tests.support.downloads import (
    MediaHost,
    download_overrides,
    files_under,
    finished,
    job_of,
    start,
)
from tests.support.waiting import wait_for

PASSED_ON = [
    "data_dir",
    "database_url",
    "redis_url",
    "redis_namespace",
    "download_dir",
    "download_allowed_hosts",
    "plex_url",
    "plex_token",
    "plextv_url",
    "plex_youtube_section",
    "download_plex_wait_seconds",
    "download_min_free_mb",
    "download_stale_seconds",
    "worker_threads",
    "log_level",
]

# Separate worker processes start slowly on a loaded machine: more room than the suite's 120 s.
pytestmark = pytest.mark.timeout(300)


def worker_env(settings: Settings) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MEDIANEST_")}
    for name in PASSED_ON:
        value = getattr(settings, name)
        if value is None:
            continue
        text = value.get_secret_value() if isinstance(value, SecretStr) else str(value)
        env[f"MEDIANEST_{name.upper()}"] = text
    return env


@contextmanager
def worker_process(settings: Settings) -> Iterator[subprocess.Popen[bytes]]:
    medianest = Path(sys.executable).with_name("medianest")
    process = subprocess.Popen(
        [str(medianest), "worker"],
        env=worker_env(settings),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture
def settings_overrides(media_host: MediaHost, plex_world: PlexWorld) -> dict[str, object]:
    # The web app runs no consumer here: the worker processes do.
    return download_overrides(media_host, plex_world, embedded_worker=False)


async def test_a_killed_worker_resumes_its_download_exactly_once(
    login: Login, settings: Settings, media_host: MediaHost, app: object
) -> None:
    media_host.state.set_slow("single-slow-rain", 48 * 1024)
    alice = await login("alice")
    with worker_process(settings) as worker:
        job = await start(alice, media_host.watch("single-slow-rain"), "480p")

        async def halfway() -> bool:
            item = (await job_of(alice, job["id"]))["items"][0]
            return item["state"] == "downloading" and item["bytes_done"] >= 32 * 1024

        await wait_for(halfway, 90)  # a worker process starting on a loaded machine
        worker.kill()  # SIGKILL: no clean-up, the .part file and the claim stay behind
        worker.wait()
    root = settings.download_dir or Path()
    assert any(p.name.endswith(".part") for p in files_under(root))
    assert (await job_of(alice, job["id"]))["state"] == "downloading"

    media_host.state.set_slow("single-slow-rain", None)
    media_host.state.requests.clear()
    restarted = create_app(settings, start_worker=True)  # start-up reconciles, then downloads
    async with LifespanManager(restarted, startup_timeout=30, shutdown_timeout=30):
        done = await finished(alice, job["id"], timeout=90)
        container = restarted.state.container
        async with container.sessions() as db:
            item = await db.scalar(select(DownloadItem).where(DownloadItem.job_id == job["id"]))
            notes = await db.scalar(select(func.count(Notification.id)))
    assert done["state"] == "completed" and item is not None and item.resumes == 1
    ranges = [r.range for r in media_host.state.requests if r.path == "/v/single-slow-rain.mp4"]
    assert any(r and not r.startswith("bytes=0-") for r in ranges), ranges  # continued the .part
    media = [p for p in files_under(root) if p.suffix == ".mp4"]
    assert len(media) == 1 and not any(p.name.endswith(".part") for p in files_under(root))
    assert media[0].stat().st_size == item.bytes_total
    assert notes == 1  # finished once, announced once


async def test_a_separate_worker_on_redis_downloads_and_its_progress_reaches_the_web(
    tmp_path: Path,
    database_url: str,
    redis_url: str,
    media_host: MediaHost,
    plex_world: PlexWorld,
) -> None:
    namespace = f"{backends.redis_namespace()}-dl"
    settings = make_settings(
        tmp_path / "data",
        database_url,
        **download_overrides(
            media_host,
            plex_world,
            embedded_worker=False,
            redis_url=redis_url,
            redis_namespace=namespace,
        ),
    )
    media_host.state.set_slow("single-slow-rain", 96 * 1024)
    app = create_app(settings)
    try:
        async with LifespanManager(app, startup_timeout=30, shutdown_timeout=30):
            import httpx

            from tests.support.signin import sign_in_with_plex

            container = app.state.container
            transport = httpx.ASGITransport(app=app)
            async with (
                httpx.AsyncClient(transport=transport, base_url="http://t") as alice,
                container.bus.subscribe() as events,
            ):
                with worker_process(settings):
                    await sign_in_with_plex(alice, plex_world.plextv, "alice")
                    job = await start(alice, media_host.watch("single-slow-rain"), "480p")
                    done = await finished(alice, job["id"], timeout=90)
                kinds = []
                while not events.queue.empty():
                    kinds.append((await events.get()).type)
            assert not (tmp_path / "data" / "jobs.sqlite3").exists()  # the queue is in Redis
    finally:
        backends.purge_redis_namespace(redis_url, namespace)
    assert done["state"] == "completed" and done["plex"]["state"] == "done"
    assert "download.progress" in kinds and "download.job" in kinds
