"""`medianest demo`: every fake running, wired to each other and to MediaNest's settings."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from medianest.config import Settings
from medianest.demo import identities
from medianest.demo.world import DemoWorld
from medianest.integrations.fakekit import free_port
from medianest.integrations.overseerr.fake_model import MediaStatus


@pytest.fixture
def world(tmp_path: Path) -> Iterator[DemoWorld]:
    demo = DemoWorld.build(tmp_path, seed=1).start("http://127.0.0.1:8000", live=False)
    yield demo
    demo.stop()


def test_settings_from_the_world_point_medianest_at_every_fake(world: DemoWorld) -> None:
    settings = Settings(_env_file=None, **world.settings_overrides())  # type: ignore[arg-type]
    assert settings.integrations_configured
    assert settings.plex_url == world.url("plex")
    assert settings.plex_auth_url == f"{world.url('plextv')}/auth"
    media_host = world.url("media").removeprefix("http://")
    assert media_host in settings.allowed_download_hosts
    assert "youtube.com" in settings.allowed_download_hosts


def test_plex_tv_sends_alice_to_the_demo_plex_server(world: DemoWorld) -> None:
    headers = {
        "X-Plex-Token": identities.ALICE.auth_token,
        "X-Plex-Client-Identifier": "demo-test",
        "Accept": "application/json",
    }
    resources = httpx.get(f"{world.url('plextv')}/api/v2/resources", headers=headers).json()
    server = next(r for r in resources if r["clientIdentifier"] == identities.PLEX_MACHINE_ID)
    uri = server["connections"][0]["uri"]
    identity = httpx.get(f"{uri}/identity", headers={"Accept": "application/json"}).json()
    assert identity["MediaContainer"]["machineIdentifier"] == identities.PLEX_MACHINE_ID
    sections = httpx.get(
        f"{uri}/library/sections",
        headers={"X-Plex-Token": server["accessToken"], "Accept": "application/json"},
    ).json()
    titles = {d["title"] for d in sections["MediaContainer"]["Directory"]}
    assert {"Movies", "TV Shows", "YouTube"} <= titles


def test_downloads_land_where_the_plex_youtube_library_scans(world: DemoWorld) -> None:
    settings = Settings(_env_file=None, **world.settings_overrides())  # type: ignore[arg-type]
    section = world.plex.section_by_title("YouTube")
    assert settings.plex_youtube_section == str(section.id)
    assert settings.download_dir is not None
    assert world.plex.section_path(section) == settings.download_dir


def test_webhooks_are_aimed_at_medianest(world: DemoWorld) -> None:
    assert world.overseerr.webhook_url == "http://127.0.0.1:8000/api/v1/webhooks/overseerr"
    assert world.overseerr.webhook_auth_header == world.overseerr_webhook_secret
    kuma_targets = world.kuma.webhooks
    assert kuma_targets[0].url == "http://127.0.0.1:8000/api/v1/webhooks/uptime-kuma"
    assert kuma_targets[0].headers == {"Authorization": f"Bearer {world.kuma_webhook_secret}"}


def test_status_page_and_playlists_are_served(world: DemoWorld) -> None:
    page = httpx.get(f"{world.url('uptime-kuma')}/api/status-page/{identities.UPTIME_KUMA_SLUG}")
    assert page.status_code == 200
    assert page.json()["publicGroupList"]
    feed = httpx.get(f"{world.url('media')}/playlist/cozy-cooking-basics.rss")
    assert feed.headers["content-type"].startswith("application/rss+xml")
    assert "Cozy Cooking Basics" in feed.text


def _wait_healthy(url: str, process: subprocess.Popen[str], seconds: float = 60) -> float:
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        if process.poll() is not None:
            pytest.fail(f"medianest exited early with code {process.returncode}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return time.monotonic() - started
        except httpx.TransportError:
            time.sleep(0.2)
    pytest.fail("medianest did not become healthy")


@pytest.mark.parametrize("command", [["demo"], ["serve"]])
def test_demo_command_and_unconfigured_serve_start_the_demo(
    tmp_path: Path, command: list[str]
) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("MEDIANEST_")}
    env.update({"MEDIANEST_DATA_DIR": str(tmp_path), "MEDIANEST_PORT": str(port), "COLUMNS": "200"})
    log_path = tmp_path / "medianest.log"
    with log_path.open("w") as log:  # a file, not a pipe nobody reads (a full pipe blocks the app)
        process = subprocess.Popen(
            [sys.executable, "-m", "medianest", *command],
            env=env,
            stdout=log,
            stderr=log,
            text=True,
        )
        try:
            _wait_healthy(f"http://127.0.0.1:{port}", process)
            page = httpx.get(f"http://127.0.0.1:{port}/signin")
            assert "Demo services" in page.text
            assert (tmp_path / "demo" / "medianest.db").exists()
        finally:
            process.terminate()
            process.wait(timeout=30)
    stderr = log_path.read_text()
    assert "Demo services" in stderr
    assert "fake plex:" in stderr


def test_fake_command_serves_one_service(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("MEDIANEST_")}
    env["MEDIANEST_DATA_DIR"] = str(tmp_path)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "medianest",
            "fake",
            "overseerr",
            "--port",
            str(port),
            "--credential",
            "k3y",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        assert first.strip() == f"fake overseerr serving at http://127.0.0.1:{port}"
        ok = httpx.get(f"http://127.0.0.1:{port}/api/v1/request", headers={"X-Api-Key": "k3y"})
        refused = httpx.get(
            f"http://127.0.0.1:{port}/api/v1/request", headers={"X-Api-Key": "nope"}
        )
        assert ok.status_code == 200
        assert refused.status_code == 403
    finally:
        process.terminate()
        process.communicate(timeout=30)


def test_what_overseerr_calls_available_is_in_the_demo_plex(world: DemoWorld) -> None:
    available = [
        media
        for media in world.overseerr.media.values()
        if media.status in (MediaStatus.AVAILABLE, MediaStatus.PARTIALLY_AVAILABLE)
    ]
    assert available
    for media in available:
        title = world.overseerr.catalog.get(media.media_type, media.tmdb_id)
        assert title is not None and media.rating_key is not None
        item = world.plex.items[int(media.rating_key)]
        assert item.title == title.title
        assert item.type == ("movie" if media.media_type == "movie" else "show")
