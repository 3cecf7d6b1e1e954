"""A download that ends with nothing leaves no empty folder behind, and never takes a folder
that still holds someone's files."""

from __future__ import annotations

from pathlib import Path

import pytest

from medianest.config import Settings
from medianest.domain.download_safety import job_folder
from tests.conftest import Login, PlexWorld
from tests.support.downloads import (
    MediaHost,
    api_post,
    download_overrides,
    files_under,
    finished,
    start,
)


@pytest.fixture
def settings_overrides(media_host: MediaHost, plex_world: PlexWorld) -> dict[str, object]:
    return download_overrides(media_host, plex_world)


def _root(settings: Settings) -> Path:
    assert settings.download_dir is not None
    return Path(settings.download_dir)


def _folders(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_dir())


async def test_a_failed_playlist_leaves_no_empty_folder(
    login: Login, settings: Settings, media_host: MediaHost
) -> None:
    for video_id in ("broken-first", "broken-gone", "broken-last"):
        media_host.state.set_missing(video_id)
    alice = await login("alice")
    job = await start(alice, media_host.rss("broken-mixtape"))
    done = await finished(alice, job["id"])
    assert done["state"] == "failed", done
    root = _root(settings)
    assert root.is_dir()  # the root itself stays
    assert _folders(root) == []


async def test_folders_that_hold_other_files_stay(
    login: Login, settings: Settings, media_host: MediaHost
) -> None:
    bob = await login("bob")
    kept = await finished(bob, (await start(bob, media_host.watch("single-sunrise"), "480p"))["id"])
    assert kept["state"] == "completed", kept
    root = _root(settings)
    playlist = root / job_folder("bob", "Broken Mixtape", media_host.rss("broken-mixtape"))
    playlist.mkdir(parents=True)
    (playlist / "cover.jpg").write_bytes(b"someone's own file")
    before = files_under(root)
    for video_id in ("broken-first", "broken-gone", "broken-last"):
        media_host.state.set_missing(video_id)

    job = await start(bob, media_host.rss("broken-mixtape"))
    assert (await finished(bob, job["id"]))["state"] == "failed"
    assert files_under(root) == before  # the folder holds a file: it stays, file and all

    (playlist / "cover.jpg").unlink()
    retried = await api_post(bob, f"/api/v1/downloads/{job['id']}/retry")
    assert retried.status_code == 200, retried.text
    assert (await finished(bob, job["id"]))["state"] == "failed"
    assert _folders(root) == ["bob", "bob/Videos"]  # bob's folder still holds his video
    assert files_under(root) == [p for p in before if p.parent != playlist]
