"""Downloads: who may do what, what is refused (allow-list, SSRF, limits), cancel, delete."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from medianest.config import Settings
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
from tests.support.waiting import wait_for


@pytest.fixture
def settings_overrides(media_host: MediaHost, plex_world: PlexWorld) -> dict[str, object]:
    return download_overrides(media_host, plex_world, download_max_playlist=5)


async def test_refused_addresses_say_why_and_start_nothing(
    login: Login, media_host: MediaHost
) -> None:
    alice = await login("alice")
    port = media_host.netloc.rsplit(":", 1)[1]
    refused = {
        "https://vimeo.com/123": "not allowed",
        "ftp://youtube.com/watch?v=x": "Only http:// and https://",
        "file:///etc/passwd": "Only http:// and https://",
        "http://127.0.0.1/": "not allowed",  # loopback, but not the allow-listed port
        f"http://localhost:{port}/watch/single-sunrise": "not allowed",
        "http://169.254.169.254/latest/meta-data/": "not allowed",
        "https://user:pw@youtube.com/watch?v=x": "user name or password",
        f"{media_host.url}/r?to=http://127.0.0.1:1/": "redirects elsewhere",
        f"{media_host.url}/r?to=http://169.254.169.254/&status=301": "redirects elsewhere",
        "not a url": "does not look like a web address",
    }
    for url, reason in refused.items():
        response = await api_post(alice, "/api/v1/downloads", {"url": url, "quality": "best"})
        assert response.status_code == 422, (url, response.text)
        body = response.json()
        assert body["field"] == "url" and reason in body["detail"], (url, body)
    assert (await alice.get("/api/v1/downloads")).json() == []
    assert not any(r.path.startswith("/v/") for r in media_host.state.requests)


async def test_a_redirect_within_the_allowed_host_is_followed(
    login: Login, media_host: MediaHost
) -> None:
    alice = await login("alice")
    target = media_host.watch("single-sunrise")
    job = await start(alice, f"{media_host.url}/r?to={target}", "480p")
    assert job["url"] == target  # the job keeps the checked final address
    assert (await finished(alice, job["id"]))["state"] == "completed"


async def test_bad_quality_and_oversized_playlist_are_refused(
    login: Login, media_host: MediaHost
) -> None:
    bob = await login("bob")
    bad = await api_post(bob, "/api/v1/downloads", {"url": media_host.rss("x"), "quality": "8k"})
    assert bad.status_code == 422 and bad.json()["field"] == "quality"
    media_host.state.add_playlist("big-one", "Big One", list(media_host.state.videos)[:6])
    big = await api_post(bob, "/api/v1/downloads", {"url": media_host.rss("big-one")})
    assert big.status_code == 422 and "limit is 5" in big.json()["detail"]


async def test_rate_limit_answers_429_with_retry_after(
    login: Login, settings: Settings, media_host: MediaHost
) -> None:
    alice = await login("alice")
    for _ in range(settings.download_jobs_per_hour):
        await start(alice, media_host.watch("single-sunrise"), "480p")
    over = await api_post(alice, "/api/v1/downloads", {"url": media_host.watch("single-sunrise")})
    assert over.status_code == 429
    assert 60 <= int(over.headers["retry-after"]) <= 3600
    bob = await login("bob")  # limits are per person
    await start(bob, media_host.watch("single-sunrise"), "480p")


async def test_cancel_stops_a_running_download_and_removes_partial_files(
    login: Login, settings: Settings, media_host: MediaHost
) -> None:
    media_host.state.set_slow("single-slow-rain", 16 * 1024)
    alice = await login("alice")
    job = await start(alice, media_host.watch("single-slow-rain"))

    async def running() -> bool:
        item = (await job_of(alice, job["id"]))["items"][0]
        return item["state"] == "downloading" and item["bytes_done"] > 0

    await wait_for(running, 20)
    root = settings.download_dir or Path()
    assert any(p.name.endswith(".part") for p in files_under(root))
    cancelled = await api_post(alice, f"/api/v1/downloads/{job['id']}/cancel")
    assert cancelled.status_code == 200
    done = await finished(alice, job["id"], timeout=5)
    assert done["state"] == "cancelled" and done["items"][0]["state"] == "cancelled"
    assert files_under(root) == []  # the .part, thumbnail and info json are gone
    assert list(root.iterdir()) == []  # nor the folders they were in
    card = (await alice.get(f"/downloads/{job['id']}/card")).text
    overall = card.split('data-field="overall"')[0].rsplit("<progress", 1)[1]
    bar = card.split('data-field="bar"')[0].rsplit("<progress", 1)[1]
    assert float(overall.split('value="')[1].split('"')[0]) == 0
    assert bar.split('value="')[1].split('"')[0] == "0"  # no half-full bar on a stopped video
    assert "cancelled" in card.split('data-field="detail"')[1].split("</span>")[0]
    again = await api_post(alice, f"/api/v1/downloads/{job['id']}/cancel")
    assert again.status_code == 409


async def test_another_users_job_is_invisible_and_unchangeable(
    login: Login, media_host: MediaHost
) -> None:
    alice, bob, admin = await login("alice"), await login("bob"), await login("admin")
    job = await start(alice, media_host.watch("single-sunrise"), "480p")
    await finished(alice, job["id"])
    path = f"/api/v1/downloads/{job['id']}"
    assert (await bob.get(path)).status_code == 404
    assert (await bob.get("/api/v1/downloads")).json() == []
    assert (await bob.get("/api/v1/downloads?all=true")).status_code == 403
    assert (await api_post(bob, f"{path}/cancel")).status_code == 404
    assert (await api_post(bob, f"{path}/retry")).status_code == 404
    token_bob = (await bob.get("/downloads")).text
    assert job["title"] not in token_bob
    from tests.support.signin import csrf_token

    assert (
        await bob.delete(path, headers={"X-CSRF-Token": await csrf_token(bob, "/downloads")})
    ).status_code == 404
    assert (await bob.get(f"/downloads/{job['id']}/thumbnail")).status_code == 404
    assert (await bob.get(f"/downloads/{job['id']}/card")).status_code == 404
    assert (await alice.get(path)).status_code == 200

    everyone = (await admin.get("/api/v1/downloads?all=true")).json()
    assert [j["id"] for j in everyone] == [job["id"]] and everyone[0]["owner"] == "Alice"
    assert (await admin.get("/api/v1/downloads")).json() == []  # "mine" is the default


async def test_delete_removes_files_and_the_plex_collection(
    login: Login, settings: Settings, media_host: MediaHost, plex_world: PlexWorld
) -> None:
    alice = await login("alice")
    job = await start(alice, media_host.rss("cozy-cooking-basics"), "480p")
    done = await finished(alice, job["id"])
    key = int(done["plex"]["collection_key"])
    assert key in plex_world.plex.items and len(files_under(settings.download_dir or Path())) > 0
    from tests.support.signin import csrf_token

    token = await csrf_token(alice, "/downloads")
    deleted = await alice.delete(f"/api/v1/downloads/{job['id']}", headers={"X-CSRF-Token": token})
    assert deleted.status_code == 204
    assert files_under(settings.download_dir or Path()) == []
    assert key not in plex_world.plex.items
    assert (await alice.get(f"/api/v1/downloads/{job['id']}")).status_code == 404
    # Deleted means gone from the archive too: the same playlist downloads again in full.
    again = await finished(alice, (await start(alice, media_host.rss("cozy-cooking-basics")))["id"])
    assert [i["state"] for i in again["items"]] == ["done"] * 4


async def test_deleting_a_user_deletes_or_hands_over_their_downloads(
    login: Login, settings: Settings, media_host: MediaHost, app: object
) -> None:
    from medianest.persistence.models import DownloadJob, User

    alice, bob, admin = await login("alice"), await login("bob"), await login("admin")
    mine = await finished(
        alice, (await start(alice, media_host.watch("single-sunrise"), "480p"))["id"]
    )
    kept = await finished(bob, (await start(bob, media_host.watch("single-flaky"), "480p"))["id"])
    root = settings.download_dir or Path()
    assert {p.relative_to(root).parts[0] for p in files_under(root)} == {"alice", "bob"}
    container = app.state.container  # type: ignore[attr-defined]
    async with container.sessions() as db:
        ids = {u.username: u.id for u in await db.scalars(select(User))}
    from tests.support.signin import csrf_token

    token = await csrf_token(admin, "/admin/users")
    gone = await admin.post(f"/admin/users/{ids['alice']}/delete", data={"csrf_token": token})
    assert gone.status_code == 303
    handed = await admin.post(
        f"/admin/users/{ids['bob']}/delete",
        data={"csrf_token": token, "reassign_to": str(ids["admin"])},
    )
    assert handed.status_code == 303
    assert {p.relative_to(root).parts[0] for p in files_under(root)} == {"bob"}
    async with container.sessions() as db:
        owners = {j.id: j.user_id for j in await db.scalars(select(DownloadJob))}
    assert owners == {kept["id"]: ids["admin"]} and mine["id"] not in owners


async def test_admin_edits_the_allow_list_and_it_applies_at_once(
    login: Login, media_host: MediaHost, app: object
) -> None:
    from medianest.persistence.models import AuditEntry
    from tests.support.signin import csrf_token

    admin, alice = await login("admin"), await login("alice")
    page = (await admin.get("/downloads")).text
    assert "Allowed hosts" in page and media_host.netloc in page
    assert "Allowed hosts" not in (await alice.get("/downloads")).text
    token = await csrf_token(alice, "/downloads")
    refused = await alice.post("/downloads/hosts", data={"csrf_token": token, "hosts": "x.org"})
    assert refused.status_code == 403
    token = await csrf_token(admin, "/downloads")
    saved = await admin.post("/downloads/hosts", data={"csrf_token": token, "hosts": "youtube.com"})
    assert saved.status_code == 303
    blocked = await api_post(
        alice, "/api/v1/downloads", {"url": media_host.watch("single-sunrise")}
    )
    assert blocked.status_code == 422 and "allowed: youtube.com" in blocked.json()["detail"]
    async with app.state.container.sessions() as db:  # type: ignore[attr-defined]
        actions = list(await db.scalars(select(AuditEntry.action)))
    assert "download_hosts_changed" in actions
