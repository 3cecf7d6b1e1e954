"""Down/up notices by preference, the inbox API and pages (own notices only), quick links, and
the lease that lets one process poll."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from sqlalchemy import select

from medianest.app import create_app
from medianest.persistence.models import AuditEntry
from medianest.services.lease import DatabaseLease
from tests.conftest import Login, make_settings
from tests.support.kuma_rig import KumaRig, coordinator, start_kuma
from tests.support.signin import csrf_token
from tests.support.waiting import wait_for


@pytest.fixture
def kuma() -> Iterator[KumaRig]:
    rig = start_kuma()
    yield rig
    rig.close()


@pytest.fixture
def settings_overrides(kuma: KumaRig) -> dict[str, object]:
    return kuma.settings()


async def _titles(http: httpx.AsyncClient) -> list[str]:
    body = (await http.get("/api/v1/notifications")).json()
    return [item["title"] for item in body["items"]]


async def _service_ids(http: httpx.AsyncClient) -> dict[str, int]:
    body = (await http.get("/api/v1/services")).json()
    return {s["name"]: s["id"] for s in body["services"]}


async def test_each_person_chooses_which_services_send_notices(
    app: FastAPI, login: Login, kuma: KumaRig
) -> None:
    status = coordinator(app)
    await status.poll_once()
    alice, bob = await login("alice"), await login("bob")
    ids = await _service_ids(bob)
    wanted = [i for name, i in ids.items() if name != "Plex"]  # Bob mutes Plex only
    saved = await bob.post(
        "/inbox/preferences",
        data={"services": wanted, "csrf_token": await csrf_token(bob, "/inbox")},
    )
    assert saved.status_code == 303
    page = (await bob.get("/inbox")).text
    assert f'value="{ids["Plex"]}" >' in page or f'value="{ids["Plex"]}">' in page  # unchecked

    kuma.state.set_status(kuma.monitor_id("Plex"), "down")
    kuma.state.set_status(kuma.monitor_id("Overseerr"), "down")
    await status.poll_once()
    assert sorted(await _titles(alice)) == ["Overseerr is down", "Plex is down"]
    assert await _titles(bob) == ["Overseerr is down"]

    kuma.state.set_status(kuma.monitor_id("Plex"), "up")
    await status.poll_once()
    assert (await _titles(alice))[0] == "Plex is up"
    assert "Plex is up" not in await _titles(bob)
    assert (await alice.get("/api/v1/notifications")).json()["unread"] == 3


async def test_a_service_down_at_first_sight_or_flapping_does_not_flood_the_inbox(
    app: FastAPI, login: Login, kuma: KumaRig
) -> None:
    status = coordinator(app)
    alice = await login("alice")
    await status.poll_once()  # Home Assistant is already down: no notice for old news
    assert await _titles(alice) == []
    plex = kuma.monitor_id("Plex")
    for mode in ("down", "up", "down", "up", "down"):
        kuma.state.set_status(plex, mode)
        await status.poll_once()
    assert await _titles(alice) == ["Plex is up", "Plex is down"]  # newest first


async def test_nobody_reads_or_marks_another_persons_notifications(
    app: FastAPI, login: Login, kuma: KumaRig
) -> None:
    status = coordinator(app)
    await status.poll_once()
    alice, bob = await login("alice"), await login("bob")
    kuma.state.set_status(kuma.monitor_id("Plex"), "down")
    await status.poll_once()
    alices = (await alice.get("/api/v1/notifications")).json()["items"][0]["id"]
    bobs = (await bob.get("/api/v1/notifications")).json()["items"][0]["id"]
    bob_token = await csrf_token(bob, "/inbox")

    refused = await bob.post(
        "/api/v1/notifications/read", json={"ids": [alices]}, headers={"X-CSRF-Token": bob_token}
    )
    assert refused.status_code == 404
    mixed = await bob.post(
        "/api/v1/notifications/read",
        json={"ids": [alices, bobs]},
        headers={"X-CSRF-Token": bob_token},
    )
    assert mixed.status_code == 404  # all or nothing
    page = await bob.post(f"/inbox/{alices}/read", data={"csrf_token": bob_token})
    assert page.status_code == 404
    assert (await alice.get("/api/v1/notifications")).json()["unread"] == 1
    assert (await bob.get("/api/v1/notifications")).json()["unread"] == 1
    assert alices not in [i["id"] for i in (await bob.get("/api/v1/notifications")).json()["items"]]

    mine = await bob.post(
        "/api/v1/notifications/read", json={"ids": [bobs]}, headers={"X-CSRF-Token": bob_token}
    )
    assert mine.json() == {"marked": 1, "unread": 0}
    bad = await bob.post("/api/v1/notifications/read", json={}, headers={"X-CSRF-Token": bob_token})
    assert bad.status_code == 422
    no_csrf = await alice.post("/api/v1/notifications/read", json={"all": True})
    assert no_csrf.status_code == 403
    everything = await alice.post(
        "/api/v1/notifications/read",
        json={"all": True},
        headers={"X-CSRF-Token": await csrf_token(alice, "/inbox")},
    )
    assert everything.json() == {"marked": 1, "unread": 0}
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as stranger:
        assert (await stranger.get("/api/v1/notifications")).status_code == 401
        assert (await stranger.get("/api/v1/services")).status_code == 401


async def test_inbox_page_marks_one_and_all_read_and_the_bell_counts(
    app: FastAPI, login: Login, kuma: KumaRig
) -> None:
    status = coordinator(app)
    await status.poll_once()
    alice = await login("alice")
    for name in ("Plex", "Overseerr"):
        kuma.state.set_status(kuma.monitor_id(name), "down")
    await status.poll_once()
    assert 'aria-label="Inbox, 2 unread"' in (await alice.get("/inbox/bell")).text
    first = (await alice.get("/api/v1/notifications")).json()["items"][0]["id"]
    token = await csrf_token(alice, "/inbox")
    assert (await alice.post(f"/inbox/{first}/read", data={"csrf_token": token})).status_code == 303
    assert 'aria-label="Inbox, 1 unread"' in (await alice.get("/inbox/bell")).text
    assert (await alice.post("/inbox/read-all", data={"csrf_token": token})).status_code == 303
    page = (await alice.get("/inbox?saved=all")).text
    assert "Everything is marked as read." in page and "0 unread" in page


async def test_quick_links_are_for_admins_to_edit_and_grey_out_with_their_service(
    app: FastAPI, login: Login, kuma: KumaRig
) -> None:
    status = coordinator(app)
    await status.poll_once()
    admin, alice = await login("admin"), await login("alice")
    plex = (await _service_ids(admin))["Plex"]
    assert "Watch &lt;Plex&gt;" not in (await alice.get("/")).text
    token = await csrf_token(admin, "/admin/links")
    form = {"title": "Watch <Plex>", "url": "https://app.plex.tv/", "icon": "plex"}
    added = await admin.post(
        "/admin/links", data={**form, "service_id": str(plex), "csrf_token": token}
    )
    assert added.status_code == 303
    for bad in ("javascript:alert(1)", "ftp://files.example", "https://exa mple.com"):
        refused = await admin.post("/admin/links", data={**form, "url": bad, "csrf_token": token})
        assert refused.status_code == 422, bad
    assert (
        await admin.post("/admin/links", data={**form, "icon": "skull", "csrf_token": token})
    ).status_code == 422
    alice_token = await csrf_token(alice, "/inbox")
    assert (
        await alice.post("/admin/links", data={**form, "csrf_token": alice_token})
    ).status_code == 403

    html = (await alice.get("/")).text  # at once, though the links were read a moment ago
    assert "Watch &lt;Plex&gt;" in html and 'href="https://app.plex.tv/"' in html
    assert "is-down" not in html
    kuma.state.set_status(kuma.monitor_id("Plex"), "down")
    await status.poll_once()
    html = (await alice.get("/dashboard/services")).text
    assert 'class="quick-link is-down"' in html
    assert 'title="Its service is down right now"' in html
    async with app.state.container.sessions() as db:
        actions = list(await db.scalars(select(AuditEntry.action)))
    assert "quick_link_added" in actions


async def test_only_one_process_holds_the_polling_lease(app: FastAPI) -> None:
    sessions = app.state.container.sessions
    now = [datetime(2026, 1, 1, tzinfo=UTC)]
    ttl = timedelta(seconds=30)
    first = DatabaseLease(sessions, "test", "process-a", ttl, clock=lambda: now[0])
    second = DatabaseLease(sessions, "test", "process-b", ttl, clock=lambda: now[0])
    assert await first.acquire()
    assert not await second.acquire()
    now[0] += timedelta(seconds=20)
    assert await first.acquire()  # renewing
    now[0] += timedelta(seconds=20)
    assert not await second.acquire()  # renewed, so still held
    now[0] += timedelta(seconds=11)  # process a died: its lease runs out
    assert await second.acquire()
    assert not await first.acquire()
    await second.release()
    assert await first.acquire()


async def test_the_background_poller_polls_on_its_interval(
    tmp_path: Path, database_url: str, kuma: KumaRig
) -> None:
    settings = make_settings(
        tmp_path / "poller", database_url, **kuma.settings(status_poll_seconds=0.2)
    )
    application = create_app(settings)
    async with LifespanManager(application):
        status = coordinator(application)

        async def has_cards() -> bool:
            return bool((await status.board()).cards)

        async def plex_down() -> bool:
            board = await status.board()
            return board.status_of(next(c.id for c in board.cards if c.name == "Plex")) == "down"

        await wait_for(has_cards)
        kuma.state.set_status(kuma.monitor_id("Plex"), "down")
        await wait_for(plex_down)  # the poller picked up the change
