"""Recovery as fast as the evidence: a sign of life from Uptime Kuma (an accepted webhook, a saved
or tested configuration) ends the poll's back-off at once; notices name what Kuma actually
answered; maintenance windows and incidents show as Kuma writes them (sanitised Markdown)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from medianest.config import Settings
from medianest.integrations.base import HttpPolicy
from medianest.integrations.uptime_kuma.client import UptimeKumaClient
from medianest.services.status import StatusCoordinator
from tests.conftest import Login, PlexWorld
from tests.support.downloads import wait_for
from tests.support.kuma_rig import SLUG, KumaRig, app_of, coordinator, on_app_loop, start_kuma
from tests.support.servers import running_app
from tests.support.signin import admin_client, send_csrf

FAST = HttpPolicy(timeout=2.0, retries=0, backoff=0.0)


@pytest.fixture
def kuma() -> Iterator[KumaRig]:
    rig = start_kuma()
    yield rig
    rig.close()


@pytest.fixture
def settings_overrides(kuma: KumaRig) -> dict[str, object]:
    """A poll every 10 minutes: without a sign of life, the next one after a failure is 20+
    minutes away, far beyond every deadline below."""
    return kuma.settings(api_key=False, status_poll_seconds=600)


async def _services(http: httpx.AsyncClient) -> dict[str, Any]:
    body: dict[str, Any] = (await http.get("/api/v1/services")).json()
    return body


async def test_an_accepted_webhook_ends_the_outage_banner_at_once(
    settings: Settings, kuma: KumaRig
) -> None:
    with running_app(settings) as server:
        app = app_of(server)
        status: StatusCoordinator = coordinator(app)
        async with admin_client(server.url) as http:

            async def shown() -> bool:
                return len((await _services(http))["services"]) > 0

            await wait_for(shown, timeout=20, interval=0.05)  # the poll at start
            kuma.state.faults.down = True  # then Kuma goes away: polls fail
            for _ in range(2):
                assert not (await on_app_loop(app, status.poll_once())).ok
            assert (await _services(http))["problem"]
            assert status.failures == 2

            kuma.state.faults.reset()  # Kuma is back, and tells MediaNest about a change
            kuma.send_webhooks_to(server.url)
            kuma.state.set_status(kuma.monitor_id("Plex"), "down")

            async def current() -> bool:
                body = await _services(http)
                plex = next(s for s in body["services"] if s["name"] == "Plex")
                return not body["stale"] and body["problem"] is None and plex["status"] == "down"

            await wait_for(current, timeout=20, interval=0.05)
        assert status.failures == 0


@pytest.mark.parametrize("wrong_slug", ["no-such-page"])
async def test_a_saved_configuration_is_used_at_once(
    settings: Settings, kuma: KumaRig, wrong_slug: str
) -> None:
    wrong = settings.model_copy(update={"uptime_kuma_slug": wrong_slug})
    with running_app(wrong) as server:
        async with admin_client(server.url) as http:
            await send_csrf(http, "/admin/integrations")

            async def no_such_page() -> bool:
                text = (await http.get("/")).text
                return "no such status page" in text

            await wait_for(no_such_page, timeout=20, interval=0.05)
            saved = await http.patch(
                "/api/v1/admin/integrations/uptime_kuma", json={"values": {"slug": SLUG}}
            )
            assert saved.status_code == 200, saved.text

            async def shown() -> bool:
                body = await _services(http)
                return not body["stale"] and len(body["services"]) > 0

            await wait_for(shown, timeout=20, interval=0.05)
            assert "no such status page" not in (await http.get("/")).text


async def _notice_after_poll(app: FastAPI, login: Login, client: UptimeKumaClient) -> str:
    status = coordinator(app)
    if status.integrations.kuma is not None:
        await status.integrations.kuma.aclose()
    status.integrations.kuma = client
    assert not (await status.poll_once()).ok
    admin = await login("admin")
    page = (await admin.get("/")).text
    start = page.index('class="notice notice-warning dash-notice"')
    return page[start : start + 600]


async def test_notices_name_what_kuma_answered(
    app: FastAPI, login: Login, kuma: KumaRig, plex_world: PlexWorld
) -> None:
    url = kuma.server.url
    cases = [
        (UptimeKumaClient(url, slug="nope", api_key=None, policy=FAST), "has no such status page"),
        (UptimeKumaClient(url, slug=None, api_key="uk9_wrong", policy=FAST), "refused the API key"),
        (
            UptimeKumaClient(plex_world.plex_server.url, slug=SLUG, api_key=None, policy=FAST),
            "does not answer like Uptime Kuma",
        ),
        (
            UptimeKumaClient("http://127.0.0.1:9", slug=SLUG, api_key=None, policy=FAST),
            "not answering",
        ),
    ]
    for client, words in cases:
        notice = await _notice_after_poll(app, login, client)
        assert words in notice, notice


async def test_maintenance_and_incidents_show_as_kuma_writes_them(
    app: FastAPI, login: Login, kuma: KumaRig
) -> None:
    kuma.state.add_maintenance(SLUG, "Disk swap", "Replacing **disk 2** tonight.")
    kuma.state.add_incident(
        SLUG,
        "Slow streams",
        "Plex is *slow*.\n\n<script>alert(1)</script> [status](javascript:alert(1))",
    )
    assert (await coordinator(app).poll_once()).ok
    alice = await login("alice")
    page = (await alice.get("/")).text
    assert "Maintenance: Disk swap" in page
    assert "Replacing <strong>disk 2</strong> tonight." in page
    assert "<strong>Slow streams</strong>" in page
    assert "Plex is <em>slow</em>." in page
    assert "<script>alert(1)</script>" not in page, page[page.find("<script>alert") - 300 :][:400]
    assert 'href="javascript' not in page
    assert "**disk 2**" not in page
    assert "5 minutes" not in page  # Kuma clears its page cache on every status change


async def test_a_sign_of_life_seen_by_another_process_reaches_the_poller(app: FastAPI) -> None:
    poller = coordinator(app)
    other = StatusCoordinator(poller.sessions, poller.bus, poller.integrations, poller.policy)
    await poller.woken_elsewhere()  # what it had seen before
    poller.failures = 5
    await other.tell_poller()  # e.g. "Test connection" passed on another web process
    assert await poller.woken_elsewhere()
    assert not await poller.woken_elsewhere()  # once per sign of life
