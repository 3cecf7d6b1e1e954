"""Download limits changed by the admin take effect live: jobs per hour lowered mid-session,
the largest playlist, the disk-space floor, and the YouTube feature switch for the worker."""

from __future__ import annotations

import pytest

from tests.conftest import Login, PlexWorld
from tests.integration.test_admin_settings import api
from tests.support.downloads import (
    MediaHost,
    api_post,
    download_overrides,
    finished,
    start,
)
from tests.support.signin import csrf_token


@pytest.fixture
def settings_overrides(media_host: MediaHost, plex_world: PlexWorld) -> dict[str, object]:
    return download_overrides(media_host, plex_world)


async def test_jobs_per_hour_lowered_mid_session_refuses_the_next_download(
    login: Login, media_host: MediaHost
) -> None:
    alice = await login("alice")
    admin = await login("admin")
    first = await start(alice, media_host.watch("single-sunrise"), "480p")  # default: 5 an hour
    assert (await api(admin, "PATCH", {"download_jobs_per_hour": 1})).status_code == 200

    over = await api_post(alice, "/api/v1/downloads", {"url": media_host.watch("single-sunrise")})
    assert over.status_code == 429
    assert 60 <= int(over.headers["retry-after"]) <= 3600
    assert "You can start 1 downloads per hour" in over.json()["detail"]
    page = await alice.post(
        "/downloads",
        data={
            "csrf_token": await csrf_token(alice, "/downloads"),
            "url": media_host.watch("single-sunrise"),
            "quality": "480p",
        },
    )
    assert page.status_code == 429 and "downloads per hour" in page.text

    assert (await api(admin, "PATCH", {"download_jobs_per_hour": 2})).status_code == 200
    await start(alice, media_host.watch("single-sunrise"), "480p")
    assert (await finished(alice, first["id"]))["state"] == "completed"


async def test_largest_playlist_and_disk_floor_apply_at_once(
    login: Login, media_host: MediaHost
) -> None:
    alice = await login("alice")
    admin = await login("admin")
    media_host.state.add_playlist("six-pack", "Six Pack", list(media_host.state.videos)[:6])
    feed = media_host.rss("six-pack")
    fits = await api_post(alice, "/api/v1/downloads/resolve", {"url": feed})
    assert fits.status_code == 200, fits.text

    assert (await api(admin, "PATCH", {"download_max_playlist": 4})).status_code == 200
    big = await api_post(alice, "/api/v1/downloads/resolve", {"url": feed})
    assert big.status_code == 422
    assert big.json()["detail"] == "This playlist has 6 videos; the limit is 4 per download."

    assert (await api(admin, "PATCH", {"download_min_free_mb": 10_000_000})).status_code == 200
    job = await start(alice, media_host.watch("single-sunrise"), "480p")
    assert job["state"] == "queued" and "Waiting for disk space" in job["wait_reason"]
    assert "10000000 MB needed" in job["wait_reason"]
