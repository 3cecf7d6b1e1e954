"""The Integrations admin page and API against the fakes: test before save, live changes,
secrets encrypted and never shown, environment pre-seeds, audit, diagnostics, admins only."""

from __future__ import annotations

import asyncio
import html
import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from sqlalchemy import select, text

from medianest.app import create_app
from medianest.config import Settings
from medianest.container import Container
from medianest.demo import identities
from medianest.integrations.fakekit import FakeServer
from medianest.integrations.overseerr.fake import OverseerrFakeState
from medianest.integrations.overseerr.fake import create_app as overseerr_app
from medianest.persistence.models import AuditEntry, IntegrationConfig
from medianest.services.integration_settings import saved_configuration_exists
from tests.conftest import Login, PlexWorld, make_settings
from tests.support.kuma_rig import SLUG, KumaRig, start_kuma
from tests.support.signin import admin_client, api_client, csrf_token

CHANGED_INTEGRATION = AuditEntry.action == "integration.update"


def container(app: FastAPI) -> Container:
    found: Container = app.state.container
    return found


async def save_form(client: httpx.AsyncClient, service: str, **fields: str) -> httpx.Response:
    """Presses Save on the service's card with these values typed in."""
    token = await csrf_token(client, "/admin/integrations")
    return await client.post(f"/admin/integrations/{service}", data={"csrf_token": token, **fields})


async def stored_row(app: FastAPI, service: str) -> IntegrationConfig | None:
    async with container(app).sessions() as db:
        return await db.get(IntegrationConfig, service)


@pytest.fixture
def overseerr_server() -> Iterator[FakeServer]:
    server = FakeServer(overseerr_app(OverseerrFakeState.demo(1))).start()
    yield server
    server.stop()


@pytest.fixture
def kuma() -> Iterator[KumaRig]:
    rig = start_kuma()
    yield rig
    rig.close()


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    """Plex, Overseerr and Kuma all unconfigured in the environment: set up on the page."""
    return {"plex_url": None, "plex_token": None}


async def test_plex_connected_on_the_page_works_at_once(
    app: FastAPI, login: Login, plex_world: PlexWorld
) -> None:
    admin = await login("admin")
    page = await admin.get("/admin/integrations")
    assert page.status_code == 200
    assert "Not configured" in page.text
    before = await admin.get("/library")
    assert before.status_code == 503
    assert "No Plex server is configured yet" in before.text

    refused = await save_form(
        admin, "plex", url=plex_world.plex_server.url, token="not-the-right-token"
    )
    assert refused.status_code == 422
    assert "Credentials rejected" in refused.text
    assert await stored_row(app, "plex") is None  # nothing stored when the test fails
    async with container(app).sessions() as db:
        assert (await db.scalars(select(AuditEntry).where(CHANGED_INTEGRATION))).all() == []

    saved = await save_form(
        admin, "plex", url=plex_world.plex_server.url + "/", token=identities.PLEX_OWNER_TOKEN
    )
    assert saved.status_code == 303, saved.text
    library = await admin.get("/library")
    assert library.status_code == 200
    assert "Movies" in library.text  # the fake's libraries, without a restart
    page = await admin.get("/admin/integrations")
    assert "Healthy" in page.text
    assert identities.PLEX_OWNER_TOKEN not in page.text

    row = await stored_row(app, "plex")
    assert row is not None
    assert row.settings == {"url": plex_world.plex_server.url}  # trailing slash trimmed
    async with container(app).sessions() as db:
        raw = (await db.execute(text("SELECT settings, secrets FROM integration_configs"))).all()
        (entry,) = (await db.scalars(select(AuditEntry).where(CHANGED_INTEGRATION))).all()
    assert identities.PLEX_OWNER_TOKEN not in json.dumps([list(map(str, r)) for r in raw])
    assert entry.action == "integration.update"
    assert entry.details["old"] == {"url": "", "token": None}
    assert entry.details["new"] == {"url": plex_world.plex_server.url, "token": "[redacted]"}
    assert entry.details["changed_fields"] == ["url", "token"]
    assert identities.PLEX_OWNER_TOKEN not in json.dumps(entry.details)


async def test_addresses_are_checked_with_clear_messages(app: FastAPI, login: Login) -> None:
    admin = await login("admin")
    cases = {
        "ftp://nas:21": "must start with http:// or https://",
        "http://user:pw@nas:32400": "no user name or password",
        "http://:32400": "needs a host name",
        "http://nas:port": "port in the address is not a number",
        "http://nas:32400/?X-Plex-Token=abc": "must not contain '?' or '#'",
    }
    for url, message in cases.items():
        response = await save_form(admin, "plex", url=url, token="abc")
        assert response.status_code == 422, url
        assert message in html.unescape(response.text), url
    missing = await save_form(admin, "plex", url="http://nas:32400", token="")
    assert "needs a token" in missing.text
    closed = await save_form(admin, "plex", url="http://127.0.0.1:9", token="abc")
    assert closed.status_code == 422
    assert "Connection failed" in closed.text
    assert await stored_row(app, "plex") is None


async def test_overseerr_key_and_webhook_secret_change_live(
    app: FastAPI, login: Login, overseerr_server: FakeServer
) -> None:
    admin = await api_client(login, "admin")
    body = {
        "values": {
            "url": overseerr_server.url,
            "api_key": identities.OVERSEERR_API_KEY,
            "webhook_secret": "Bearer hook-one-9f8e7d",
        }
    }
    saved = await admin.put("/api/v1/admin/integrations/overseerr", json=body)
    assert saved.status_code == 200, saved.text
    assert saved.json()["state"] == "healthy"
    assert saved.json()["settings"] == {
        "url": overseerr_server.url,
        "api_key": "set",
        "webhook_secret": "set",
    }
    assert container(app).integrations.overseerr is not None

    wrong = {"values": {"url": overseerr_server.url, "api_key": "wrong-key-123"}}
    tested = await admin.post("/api/v1/admin/integrations/overseerr/test", json=wrong)
    assert tested.status_code == 200
    assert tested.json()["ok"] is False
    assert tested.json()["credentials_rejected"] is True
    assert tested.json()["message"].startswith("Credentials rejected")
    refused = await admin.put("/api/v1/admin/integrations/overseerr", json=wrong)
    assert refused.status_code == 422
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["credentials_rejected"] is True

    hook = "/api/v1/webhooks/overseerr"
    assert (await admin.post(hook, headers={"Authorization": "wrong"}, json={})).status_code == 401
    ok = await admin.post(hook, headers={"Authorization": "Bearer hook-one-9f8e7d"}, json={})
    assert ok.status_code != 401
    # A new webhook secret only (blank API key keeps the stored one) applies at once.
    changed = await admin.put(
        "/api/v1/admin/integrations/overseerr",
        json={"values": {"url": overseerr_server.url, "webhook_secret": "Bearer hook-two"}},
    )
    assert changed.status_code == 200, changed.text
    old = await admin.post(hook, headers={"Authorization": "Bearer hook-one-9f8e7d"}, json={})
    assert old.status_code == 401
    new = await admin.post(hook, headers={"Authorization": "Bearer hook-two"}, json={})
    assert new.status_code != 401
    # Clearing the secret switches the webhook off.
    cleared = await admin.put(
        "/api/v1/admin/integrations/overseerr",
        json={"values": {"url": overseerr_server.url}, "clear": ["webhook_secret"]},
    )
    assert cleared.json()["settings"]["webhook_secret"] == "not set"
    assert (
        await admin.post(hook, headers={"Authorization": "Bearer hook-two"}, json={})
    ).status_code == 401


async def test_kuma_configured_on_the_page_feeds_the_dashboard(
    app: FastAPI, login: Login, kuma: KumaRig
) -> None:
    admin = await api_client(login, "admin")
    body = {
        "values": {
            "url": kuma.server.url,
            "slug": SLUG,
            "all_monitors": "no",
            "webhook_secret": "kuma-hook-5e6f7a8b",
        }
    }
    tested = await admin.post("/api/v1/admin/integrations/uptime_kuma/test", json=body)
    assert tested.json()["ok"] is True, tested.text
    assert "status page" in tested.json()["message"]
    saved = await admin.put("/api/v1/admin/integrations/uptime_kuma", json=body)
    assert saved.status_code == 200, saved.text
    status = container(app).status
    assert status is not None
    assert (await status.poll_once()).ok
    cards = await admin.get("/api/v1/services")
    assert len(cards.json()) > 0
    hook = "/api/v1/webhooks/uptime-kuma"
    assert (await admin.post(hook, headers={"Authorization": "nope"}, json={})).status_code == 401
    accepted = await admin.post(
        hook, headers={"Authorization": "Bearer kuma-hook-5e6f7a8b"}, json={"msg": "test"}
    )
    assert accepted.status_code != 401

    bad_slug = {"values": {"url": kuma.server.url, "slug": "no-such-page"}}
    refused = await admin.patch("/api/v1/admin/integrations/uptime_kuma", json=bad_slug)
    assert refused.status_code == 422
    assert "no-such-page" in refused.json()["detail"]


async def test_non_admins_get_403(app: FastAPI, login: Login, plex_world: PlexWorld) -> None:
    admin = await login("admin")
    saved = await save_form(
        admin, "plex", url=plex_world.plex_server.url, token=identities.PLEX_OWNER_TOKEN
    )
    assert saved.status_code == 303  # Plex sign-in works as soon as Plex is connected
    alice = await login("alice")
    assert (await alice.get("/admin/integrations")).status_code == 403
    assert (await alice.get("/admin/integrations/diagnostics")).status_code == 403
    assert (await alice.get("/api/v1/admin/integrations")).status_code == 403
    alice.headers["X-CSRF-Token"] = await csrf_token(alice, "/account")
    put = await alice.put("/api/v1/admin/integrations/plex", json={"values": {"url": ""}})
    assert put.status_code == 403
    form = await alice.post(
        "/admin/integrations/plex", data={"csrf_token": alice.headers["X-CSRF-Token"], "url": ""}
    )
    assert form.status_code == 403
    row = await stored_row(app, "plex")
    assert row is not None
    assert row.settings == {"url": plex_world.plex_server.url}


async def test_other_processes_pick_up_a_saved_change(
    app: FastAPI, settings: Settings, login: Login, plex_world: PlexWorld
) -> None:
    """A second MediaNest process on the same database re-reads the table by itself."""
    other = create_app(settings)
    async with LifespanManager(other, startup_timeout=30, shutdown_timeout=30):
        assert container(other).integrations.plex is None
        admin = await login("admin")
        saved = await save_form(
            admin, "plex", url=plex_world.plex_server.url, token=identities.PLEX_OWNER_TOKEN
        )
        assert saved.status_code == 303
        for _ in range(100):
            if container(other).integrations.plex is not None:
                break
            await asyncio.sleep(0.1)
        plex = container(other).integrations.plex
        assert plex is not None
        assert (await plex.identity()).machine_identifier == plex_world.plex.machine_id
        assert container(other).plex_server.client is plex
    assert await asyncio.to_thread(saved_configuration_exists, settings)


async def test_saved_settings_win_over_the_environment_at_start(
    tmp_path: Path, database_url: str, plex_world: PlexWorld
) -> None:
    first = make_settings(tmp_path / "data", database_url, plex_url=None, plex_token=None)
    assert not await asyncio.to_thread(saved_configuration_exists, first)
    app = create_app(first)
    async with LifespanManager(app, startup_timeout=30, shutdown_timeout=30):
        async with admin_client(transport=_in_process(app)) as admin:
            saved = await save_form(
                admin, "plex", url=plex_world.plex_server.url, token=identities.PLEX_OWNER_TOKEN
            )
        assert saved.status_code == 303
    # Restarted with a different (stale) pre-seed in the environment: the saved values win.
    second = make_settings(
        tmp_path / "data", database_url, plex_url="http://127.0.0.1:9", plex_token="env-token"
    )
    app = create_app(second)
    async with LifespanManager(app, startup_timeout=30, shutdown_timeout=30):
        plex = container(app).integrations.plex
        assert plex is not None
        assert (await plex.identity()).machine_identifier == plex_world.plex.machine_id
        async with admin_client(transport=_in_process(app)) as admin:
            listed = (await admin.get("/api/v1/admin/integrations")).json()
        plex_view = next(item for item in listed if item["service"] == "plex")
        assert plex_view["sources"] == {"url": "saved", "token": "saved"}


def _in_process(app: FastAPI) -> httpx.ASGITransport:
    return httpx.ASGITransport(app=app, raise_app_exceptions=False)


async def test_demo_mode_starts_from_the_demo_services(tmp_path: Path, database_url: str) -> None:
    """The demo's fakes get new ports at each start: saved addresses are ignored, never deleted."""
    plain = make_settings(tmp_path / "data", database_url)
    app = create_app(plain)
    async with (
        LifespanManager(app, startup_timeout=30, shutdown_timeout=30),
        container(app).sessions.begin() as db,
    ):
        db.add(IntegrationConfig(service="plex", settings={"url": "http://old:1"}, secrets={}))
    demo = make_settings(tmp_path / "data", database_url, demo=True)
    app = create_app(demo)
    async with LifespanManager(app, startup_timeout=30, shutdown_timeout=30):
        plex = container(app).integrations.plex
        assert plex is not None  # the environment's (the demo's) Plex
        assert (await plex.identity()).machine_identifier  # answers: not the saved old:1
        assert await stored_row(app, "plex") is not None  # a shared database keeps it


async def test_youtube_library_must_exist_in_plex_and_applies_live(
    app: FastAPI, login: Login, plex_world: PlexWorld
) -> None:
    admin = await api_client(login, "admin")
    alone = await admin.put("/api/v1/admin/integrations/youtube", json={"values": {"section": "1"}})
    assert alone.status_code == 200  # Plex not configured yet: a warning, not a refusal
    plex = {"url": plex_world.plex_server.url, "token": identities.PLEX_OWNER_TOKEN}
    assert (
        await admin.put("/api/v1/admin/integrations/plex", json={"values": plex})
    ).status_code == 200
    missing = await admin.put(
        "/api/v1/admin/integrations/youtube", json={"values": {"section": "999"}}
    )
    assert missing.status_code == 422
    assert "Plex has no library 999" in missing.json()["detail"]
    word = await admin.put(
        "/api/v1/admin/integrations/youtube", json={"values": {"section": "movies"}}
    )
    assert word.status_code == 422
    tested = await admin.post(
        "/api/v1/admin/integrations/youtube/test", json={"values": {"section": "2"}}
    )
    checks = {c["label"]: c for c in tested.json()["checks"]}
    assert {"Download folder", "ffmpeg", "yt-dlp", "Plex library"} <= set(checks)
    assert checks["Plex library"]["ok"] is True
    saved = await admin.put("/api/v1/admin/integrations/youtube", json={"values": {"section": "2"}})
    assert saved.status_code == 200, saved.text
    downloads = container(app).downloads
    assert downloads is not None
    assert downloads.plex.config.plex_section == "2"  # the next download is filed there
