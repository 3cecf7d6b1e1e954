"""Downloads tests: the media-host fake on a real port, settings that allow it, polling helpers.

Its fixtures (``media_host``) reach every test module through ``pytest_plugins`` in
tests/conftest.py.

The download root is a fresh folder inside the fake Plex's YouTube section (shared by the run),
so Plex really scans what yt-dlp wrote, and tests never see each other's files or archives.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from medianest.config import DEFAULT_ALLOWED_DOWNLOAD_HOSTS
from medianest.integrations.fakekit import FakeServer
from medianest.integrations.youtube.fake import MediaHostFakeState, create_app
from tests.conftest import PlexWorld
from tests.support.signin import send_csrf
from tests.support.waiting import wait_for


class MediaHost:
    def __init__(self, state: MediaHostFakeState, server: FakeServer) -> None:
        self.state = state
        self.server = server

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def netloc(self) -> str:
        return self.server.url.removeprefix("http://")

    def rss(self, playlist_id: str) -> str:
        return f"{self.url}/playlist/{playlist_id}.rss"

    def watch(self, video_id: str) -> str:
        return f"{self.url}/watch/{video_id}"


@pytest.fixture(scope="session")
def media_host_server() -> Iterator[MediaHost]:
    state = MediaHostFakeState.demo()  # media cached per machine (XDG cache), made once
    state.media.warm({v.look for v in state.videos.values()})
    server = FakeServer(create_app(state)).start()
    yield MediaHost(state, server)
    server.stop()


@pytest.fixture
def media_host(media_host_server: MediaHost) -> Iterator[MediaHost]:
    media_host_server.state.reset_faults()
    media_host_server.state.set_missing("broken-gone")  # the demo's deleted track
    media_host_server.state.requests.clear()
    yield media_host_server
    media_host_server.state.reset_faults()
    media_host_server.state.set_missing("broken-gone")


def download_overrides(
    media_host: MediaHost, plex_world: PlexWorld, **overrides: object
) -> dict[str, object]:
    """Settings values for downloads against the media-host fake (a module's
    ``settings_overrides``), into a fresh folder of the fake Plex's YouTube section."""
    section = plex_world.plex.section_by_title("YouTube")
    root = plex_world.plex.section_path(section) / f"t-{uuid.uuid4().hex[:8]}"
    values: dict[str, object] = {
        "embedded_worker": True,
        "download_dir": root,
        "download_allowed_hosts": ",".join((*DEFAULT_ALLOWED_DOWNLOAD_HOSTS, media_host.netloc)),
        "plex_youtube_section": str(section.id),
        "download_plex_wait_seconds": 8,
        "download_min_free_mb": 0,
        "download_stale_seconds": 10,
    }
    values.update(overrides)
    return values


async def api_post(
    client: httpx.AsyncClient, path: str, json: dict[str, Any] | None = None
) -> httpx.Response:
    await send_csrf(client, "/downloads")
    return await client.post(path, json=json)


async def start(client: httpx.AsyncClient, url: str, quality: str = "best") -> dict[str, Any]:
    response = await api_post(client, "/api/v1/downloads", {"url": url, "quality": quality})
    assert response.status_code == 201, response.text
    job: dict[str, Any] = response.json()
    return job


async def job_of(client: httpx.AsyncClient, job_id: int) -> dict[str, Any]:
    response = await client.get(f"/api/v1/downloads/{job_id}")
    assert response.status_code == 200, response.text
    job: dict[str, Any] = response.json()
    return job


async def finished(client: httpx.AsyncClient, job_id: int, timeout: float = 60.0) -> dict[str, Any]:
    """Waits until the job has left queued/downloading/processing."""

    async def check() -> dict[str, Any] | None:
        job = await job_of(client, job_id)
        return None if job["active"] else job

    result: dict[str, Any] = await wait_for(check, timeout)
    return result


def files_under(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def mtimes(paths: set[str]) -> dict[str, int]:
    return {path: Path(path).stat().st_mtime_ns for path in paths}
