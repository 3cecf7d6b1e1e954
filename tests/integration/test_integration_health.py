"""Integration health that tells the truth: healthy only when the calls the features make
succeed, the same in every process (it lives in the database), and readiness that checks each
dependency for real."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI

from medianest.app import create_app
from medianest.config import Settings
from medianest.container import Container
from medianest.integrations.base import CredentialsRejected, Misconfigured
from tests.conftest import Login, PlexWorld, make_settings
from tests.support import backends
from tests.support.downloads import wait_for
from tests.support.kuma_rig import KumaRig, coordinator, start_kuma
from tests.support.signin import sign_in_admin


def container(app: FastAPI) -> Container:
    found: Container = app.state.container
    return found


async def integration(admin: httpx.AsyncClient, service: str) -> dict[str, Any]:
    response = await admin.get(f"/api/v1/admin/integrations/{service}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


@pytest.fixture
def kuma() -> Iterator[KumaRig]:
    rig = start_kuma()
    yield rig
    rig.close()


@pytest.fixture
def settings_overrides(kuma: KumaRig) -> dict[str, object]:
    return kuma.settings()


@pytest.fixture
def revoked_plex(plex_world: PlexWorld) -> Iterator[PlexWorld]:
    plex_world.plex.faults.revoked = True
    yield plex_world
    plex_world.reset()


async def test_plex_refusing_library_calls_is_credentials_rejected(
    app: FastAPI, login: Login, revoked_plex: PlexWorld
) -> None:
    admin = await login("admin")
    plex = container(app).integrations.plex
    assert plex is not None
    with pytest.raises(CredentialsRejected):
        await plex.sections()
    await plex.identity()  # answers without the token: proves nothing about it
    found = await integration(admin, "plex")
    assert found["state"] == "credentials_rejected"
    assert found["state_label"] == "Credentials rejected"

    revoked_plex.reset()
    await plex.sections()
    assert (await integration(admin, "plex"))["state"] == "healthy"


async def test_addresses_that_are_not_the_service_are_misconfigured(
    app: FastAPI, login: Login, kuma: KumaRig, plex_world: PlexWorld
) -> None:
    admin = await login("admin")
    live = container(app).integration_settings
    assert live is not None
    # Plex pointed at Uptime Kuma, and Uptime Kuma pointed at Plex.
    await live.live.apply("plex", {"url": kuma.server.url, "token": "t0ken-for-tests"})
    kuma_at_plex = {"url": plex_world.plex_server.url, "slug": "medianest", "api_key": ""}
    await live.live.apply("uptime_kuma", kuma_at_plex)
    plex = container(app).integrations.plex
    assert plex is not None
    with pytest.raises(Misconfigured):
        await plex.sections()
    assert not (await coordinator(app).poll_once()).ok

    found = await integration(admin, "plex")
    assert (found["state"], found["state_label"]) == ("misconfigured", "Misconfigured")
    assert "no Plex library at this address" in found["last_error"]
    found = await integration(admin, "uptime_kuma")
    assert found["state"] == "misconfigured"
    assert "is this Uptime Kuma?" in found["last_error"]
    page = await admin.get("/admin/integrations")
    assert 'data-state="misconfigured"' in page.text


async def test_a_wrong_kuma_slug_is_misconfigured_with_the_reason(
    app: FastAPI, login: Login, kuma: KumaRig
) -> None:
    admin = await login("admin")
    live = container(app).integration_settings
    assert live is not None
    values = {"url": kuma.server.url, "slug": "no-such-page", "api_key": ""}
    await live.live.apply("uptime_kuma", values)
    assert not (await coordinator(app).poll_once()).ok
    found = await integration(admin, "uptime_kuma")
    assert found["state"] == "misconfigured"
    assert found["last_error"] == "there is no status page 'no-such-page'"


async def test_every_process_sees_the_same_health(
    app: FastAPI, settings: Settings, login: Login, revoked_plex: PlexWorld
) -> None:
    admin = await login("admin")
    other = create_app(settings)  # a second web or worker process on the same database
    async with LifespanManager(other, startup_timeout=30, shutdown_timeout=30):
        plex = container(other).integrations.plex
        assert plex is not None
        with pytest.raises(CredentialsRejected):
            await plex.sections()

        async def rejected_here() -> bool:
            return (await integration(admin, "plex"))["state"] == "credentials_rejected"

        await wait_for(rejected_here, timeout=10, interval=0.02)
        ready = (await admin.get("/readyz")).json()
        assert ready["integrations"]["plex"].startswith("credentials rejected")

        revoked_plex.reset()
        await plex.sections()

        async def healthy_here() -> bool:
            return (await integration(admin, "plex"))["state"] == "healthy"

        await wait_for(healthy_here, timeout=10, interval=0.02)


async def test_readiness_reports_each_dependency(app: FastAPI, settings: Settings) -> None:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        body = (await http.get("/readyz")).json()
        assert body["status"] == "ready"
        expected = {"database", "events"} | ({"redis"} if settings.redis_url else set())
        assert set(body["checks"]) == expected
        assert set(body["checks"].values()) == {"ok"}
        assert set(body["integrations"]) == {"plex", "overseerr", "uptime_kuma"}
        assert body["integrations"]["overseerr"] == "not configured"

        await sign_in_admin(http)
        page = (await http.get("/")).text
    card = page[page.rindex("Live updates") :][:600]
    assert "Working" in card
    if settings.redis_url:
        assert "Redis, round trip" in card
    else:
        assert "in-process" in card


async def test_live_updates_card_says_when_redis_carries_nothing(
    tmp_path: Path, database_url: str
) -> None:
    redis_url = backends.redis_url_for_redis_tests()
    backends.require_redis(redis_url)
    settings = make_settings(tmp_path / "data", database_url, redis_url=redis_url)
    app = create_app(settings)
    async with LifespanManager(app, startup_timeout=30, shutdown_timeout=30):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            assert (await http.get("/readyz")).json()["checks"]["events"] == "ok"
            listener = container(app).bus._listener  # type: ignore[attr-defined]
            listener.cancel()  # this process stops hearing Redis
            ready = await http.get("/readyz")
            assert ready.status_code == 503
            assert ready.json()["checks"]["events"].startswith("live updates cannot travel")
            await sign_in_admin(http)
            page = (await http.get("/")).text
    card = page[page.rindex("Live updates") :][:600]
    assert "Not working" in card
