"""Service status from the Uptime Kuma fake: polling (1.23 and 2.x), history, Kuma in trouble."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI

from medianest.app import create_app as create_medianest
from medianest.domain.events import Event
from medianest.integrations.base import HttpPolicy
from medianest.integrations.fakekit import FakeServer
from medianest.integrations.uptime_kuma.client import UptimeKumaClient
from medianest.integrations.uptime_kuma.fake import UptimeKumaFakeState, create_app
from medianest.integrations.uptime_kuma.fake_model import ManualClock
from medianest.persistence.models import Notification, ServiceRecord
from medianest.persistence.types import utcnow
from medianest.realtime.bus import Subscription
from medianest.services.status import StatusCoordinator
from tests.conftest import ADMIN_PASSWORD, Login, make_settings
from tests.support.kuma_rig import HTML_NAME, SLUG, KumaRig, coordinator, start_kuma
from tests.support.shared_pages import assert_personal, own_form_tokens
from tests.support.signin import sign_in_local
from tests.support.waiting import wait_for

PUBLIC = [
    "Plex",
    "Overseerr",
    "MediaNest",
    "Tautulli",
    "Home Assistant",
    "Downloads VPN",
    HTML_NAME,
]


@pytest.fixture
def kuma_version() -> str:
    return "2.5.3"


@pytest.fixture
def kuma(kuma_version: str) -> Iterator[KumaRig]:
    rig = start_kuma(kuma_version)
    yield rig
    rig.close()


@pytest.fixture
def settings_overrides(kuma: KumaRig) -> dict[str, object]:
    """The suite's settings, plus Uptime Kuma (the poller is off: tests call poll_once)."""
    return kuma.settings()


async def _replace_client(status: StatusCoordinator, client: UptimeKumaClient) -> None:
    """What the admin's integration settings do: the next poll uses the new client."""
    if status.integrations.kuma is not None:
        await status.integrations.kuma.aclose()
    status.integrations.kuma = client


@pytest.mark.parametrize("kuma_version", ["1.23.16", "2.5.3"])
async def test_poll_turns_both_kuma_shapes_into_cards(
    app: FastAPI, login: Login, kuma: KumaRig
) -> None:
    result = await coordinator(app).poll_once()
    assert result.ok, result.error
    alice = await login("alice")
    body = (await alice.get("/api/v1/services")).json()
    assert body["configured"] and not body["stale"] and body["as_of"]
    services = {s["name"]: s for s in body["services"]}
    assert list(services) == PUBLIC  # page order; "Router admin" is not public
    assert services["Home Assistant"]["status"] == "down"
    assert services["Plex"]["status"] == "up"
    assert services["Plex"]["response_time_ms"] is not None
    assert services["Plex"]["uptime_24h"] is not None
    assert services["Plex"]["checked_at"] is not None


async def test_uptime_and_history_bar_come_from_recorded_history(
    app: FastAPI, login: Login, tmp_path: Path
) -> None:
    clock = ManualClock()
    state = UptimeKumaFakeState(clock=clock)
    state.add_status_page(SLUG, "Home")
    plex = state.add_monitor("Plex")
    state.add_group(SLUG, "Services", [plex.id])
    state.backfill(hours=6, every_s=300)  # up for six hours
    down_at = clock.now
    state.set_status(plex.id, "down")
    clock.advance(1800)
    state.set_status(plex.id, "up")  # down for 30 minutes
    clock.advance(1800)
    state.add_beat(plex.id, "up", ping=40)  # and up again for 30 minutes
    server = FakeServer(create_app(state)).start()
    try:
        status = coordinator(app)
        status.clock = clock
        await _replace_client(status, UptimeKumaClient(server.url, slug=SLUG, api_key=None))
        assert (await status.poll_once()).ok
        board = await status.board()
        async with httpx.AsyncClient(base_url=server.url) as http:
            beats = (await http.get(f"/api/status-page/heartbeat/{SLUG}")).json()
    finally:
        server.stop()
    card = board.cards[0]
    up_hours = (6 - 5 / 60) + 0.5  # backfilled beats from 5 min after the start, then 30 min
    expected = up_hours / (up_hours + 0.5)  # and 30 min down in between
    for window in ("7d", "30d"):
        assert card.uptime[window] == pytest.approx(expected, abs=0.002)
    # Kuma publishes its own 24 h figure (its formula weighs beats, not time): the card shows
    # the number people see on Kuma's own page.
    kuma_24h = beats["uptimeList"][f"{plex.id}_24"]
    assert abs(kuma_24h - expected) > 0.01
    assert card.uptime["24h"] == pytest.approx(kuma_24h)
    assert card.status.value == "up"
    hour_of_outage = next(s for s in card.slots if s.start <= down_at < s.end)
    assert hour_of_outage.status.value == "down"
    assert card.slots[0].status.value == "unknown"  # nothing recorded 24 h ago
    detail = await status.detail(card.id)
    kinds = [(change.status.value, until is None) for change, until in detail.changes]
    assert kinds == [("up", True), ("down", False), ("up", False)]


async def test_an_event_is_published_only_when_something_changes(
    app: FastAPI, kuma: KumaRig
) -> None:
    status = coordinator(app)
    bus = app.state.container.bus

    async def until_marker(stream: Subscription, marker: str) -> list[Event]:
        """Events up to a marker published last (with Redis, delivery is asynchronous)."""
        await bus.publish(Event("test.marker", {"marker": marker}))
        seen: list[Event] = []
        async with asyncio.timeout(5):
            while (event := await stream.get()).data.get("marker") != marker:
                seen.append(event)
        return seen

    async with bus.subscribe() as stream:
        await status.poll_once()
        await until_marker(stream, "baseline")
        await status.poll_once()  # nothing changed
        kuma.state.set_status(kuma.monitor_id("Plex"), "down")
        await status.poll_once()
        seen = await until_marker(stream, "after")
    changes = [e.data for e in seen if e.type == "service.status"]
    assert [(c["name"], c["previous"], c["status"]) for c in changes] == [("Plex", "up", "down")]


@pytest.mark.parametrize("fault", ["down", "garbage", "slow"])
async def test_kuma_in_trouble_leaves_the_last_snapshot_with_a_notice(
    app: FastAPI,
    login: Login,
    kuma: KumaRig,
    fault: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    status = coordinator(app)
    assert (await status.poll_once()).ok
    # A slow Kuma holds each answer twice as long as the client waits.
    fast = HttpPolicy(timeout=3.0, retries=0, backoff=0.0)
    await _replace_client(
        status, UptimeKumaClient(kuma.server.url, slug=SLUG, api_key=None, policy=fast)
    )
    if fault == "down":
        kuma.state.faults.down = True
    elif fault == "garbage":
        kuma.state.faults.garbage = True
    else:
        kuma.state.faults.slow = 6.0
    alice = await login("alice")
    caplog.set_level(logging.INFO)

    async def held_by_kuma() -> bool:
        return kuma.state.faults.delaying > 0

    in_flight = asyncio.create_task(status.poll_once())
    if fault == "slow":
        await wait_for(held_by_kuma)  # the poll is waiting on Kuma
    page = await alice.get("/")
    if fault == "slow":
        assert not in_flight.done()  # the page never waits for Kuma
    assert page.status_code == 200 and "Plex" in page.text
    first = await in_flight
    assert not first.ok and first.error
    assert not (await status.poll_once()).ok

    page = await alice.get("/")
    if fault == "garbage":  # it answers, but not as Uptime Kuma does
        assert "The Uptime Kuma address does not answer like Uptime Kuma" in page.text
    else:
        assert "Uptime Kuma is not answering" in page.text
    assert "status as of" in page.text
    body = (await alice.get("/api/v1/services")).json()
    assert body["stale"] is True and body["problem"]
    assert {s["name"] for s in body["services"]} == set(PUBLIC)
    downs = [r for r in caplog.records if "Uptime Kuma is unreachable" in r.getMessage()]
    assert len(downs) == 1  # logged once, not on every poll

    kuma.state.faults.reset()
    assert (await status.poll_once()).ok
    assert (await alice.get("/api/v1/services")).json()["stale"] is False
    backs = [r for r in caplog.records if "Uptime Kuma answers again" in r.getMessage()]
    assert len(backs) == 1


async def test_monitor_names_with_html_are_escaped(app: FastAPI, login: Login) -> None:
    await coordinator(app).poll_once()
    admin = await login("admin")
    for path in ("/", "/inbox", "/admin/links"):
        html = (await admin.get(path)).text
        assert "NAS &lt;b&gt;Backups&lt;/b&gt; &amp; Snapshots" in html, path
        assert "<b>Backups</b>" not in html, path


async def test_a_dashboard_kept_for_everyone_carries_each_viewers_name_token_and_menu(
    app: FastAPI, login: Login
) -> None:
    await coordinator(app).poll_once()
    viewers = {"Alice": await login("alice"), "Bob": await login("bob")}
    viewers["Administrator"] = await login("admin")
    pages = {}
    for _ in range(2):  # the second round is served from the kept page
        for name, http in viewers.items():
            pages[name] = (await http.get("/")).text
    for name, http in viewers.items():
        assert_personal(
            pages[name], await own_form_tokens(http), name=name, admin=name == "Administrator"
        )
        assert "NAS &lt;b&gt;Backups&lt;/b&gt;" in pages[name]  # the board is in it
    assert "Background jobs" in pages["Administrator"] and "Background jobs" not in pages["Alice"]


async def test_unconfigured_kuma_shows_how_to_set_it_up(tmp_path: Path, database_url: str) -> None:
    plain = make_settings(tmp_path / "plain", database_url)
    application = create_medianest(plain)
    async with LifespanManager(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            await sign_in_local(http, "admin", ADMIN_PASSWORD)
            page = await http.get("/")
            assert "Service status is not set up" in page.text
            assert "MEDIANEST_UPTIME_KUMA_URL" in page.text
            body = (await http.get("/api/v1/services")).json()
            assert body == {
                "configured": False,
                "as_of": None,
                "stale": False,
                "problem": None,
                "services": [],
            }


async def test_history_and_old_notifications_are_pruned(app: FastAPI, login: Login) -> None:
    status: StatusCoordinator = coordinator(app)
    await status.poll_once()
    await login("alice")
    container = app.state.container
    long_ago = utcnow() - timedelta(days=400)
    async with container.sessions.begin() as db:
        service_id = (await status.board()).cards[0].id
        db.add(ServiceRecord(service_id=service_id, at=long_ago, status="up", source="poll"))
        db.add(Notification(user_id=1, kind="x", title="old", created_at=long_ago))
    history, notes = await status.prune()
    assert history >= 1 and notes == 1


async def test_kept_cards_follow_the_clock_and_show_a_change_at_once(
    app: FastAPI, login: Login
) -> None:
    """Cards are rendered once and kept between boards: their wording still moves with the
    clock, and a change shows on the dashboard and the API as soon as it is recorded."""
    clock = ManualClock()
    state = UptimeKumaFakeState(clock=clock)
    state.add_status_page(SLUG, "Home")
    plex, tautulli = state.add_monitor("Plex"), state.add_monitor("Tautulli")
    state.add_group(SLUG, "Services", [plex.id, tautulli.id])
    state.backfill(hours=1, every_s=300)
    state.set_status(plex.id, "down")
    server = FakeServer(create_app(state)).start()
    try:
        status = coordinator(app)
        status.clock = clock
        await _replace_client(status, UptimeKumaClient(server.url, slug=SLUG, api_key=None))
        assert (await status.poll_once()).ok
        alice = await login("alice")

        async def down_for() -> list[str]:
            page = (await alice.get("/dashboard/services")).text
            return re.findall(r"down for (\d+) min", page)

        clock.advance(5 * 60)
        assert await down_for() == ["5"]
        clock.advance(10 * 60)  # no news from Kuma: the board is rebuilt in the background
        await wait_for(lambda: _equal(down_for(), ["15"]))

        state.set_status(tautulli.id, "down")
        assert (await status.poll_once()).ok
        body = (await alice.get("/api/v1/services")).json()
        page = (await alice.get("/dashboard/services")).text
    finally:
        server.stop()
    assert [s["status"] for s in body["services"]] == ["down", "down"]
    assert page.count('data-status="down"') == 2


async def _equal(value: Awaitable[object], expected: object) -> bool:
    return await value == expected
