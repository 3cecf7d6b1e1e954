"""PUT replaces an integration's settings (all of them), PATCH changes what it carries, unknown
keys are refused; Uptime Kuma never shows monitors off the public page unless the admin chose it."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI

from medianest.app import create_app
from medianest.demo import identities
from tests.conftest import Login, make_settings
from tests.support.kuma_rig import SLUG, KumaRig, start_kuma
from tests.support.signin import admin_client, api_client

KUMA = "/api/v1/admin/integrations/uptime_kuma"
NOT_PUBLIC = "Router admin"  # in the demo's non-public group


@pytest.fixture
def kuma() -> Iterator[KumaRig]:
    rig = start_kuma()
    yield rig
    rig.close()


@pytest.fixture
def settings_overrides(kuma: KumaRig) -> dict[str, object]:
    return kuma.settings()


async def _names(admin: httpx.AsyncClient, app: FastAPI) -> set[str]:
    status = app.state.container.status
    assert (await status.poll_once()).ok
    board = (await admin.get("/api/v1/services")).json()
    return {card["name"] for card in board["services"]}


async def test_put_must_carry_every_field_and_changes_nothing_otherwise(
    app: FastAPI, login: Login, kuma: KumaRig
) -> None:
    admin = await api_client(login, "admin")
    for body in ({}, {"values": {}}, {"values": {"url": kuma.server.url}}):
        refused = await admin.put(KUMA, json=body)
        assert refused.status_code == 422, body
        assert "PATCH" in refused.json()["detail"]
    settings = (await admin.get(KUMA)).json()["settings"]
    assert settings["slug"] == SLUG and settings["url"] == kuma.server.url
    assert NOT_PUBLIC not in await _names(admin, app)


async def test_patch_changes_only_what_it_carries(
    app: FastAPI, login: Login, kuma: KumaRig
) -> None:
    admin = await api_client(login, "admin")
    patched = await admin.patch(KUMA, json={"values": {"url": kuma.server.url + "/"}})
    assert patched.status_code == 200, patched.text
    assert patched.json()["settings"]["slug"] == SLUG
    assert patched.json()["settings"]["api_key"] == "set"
    assert NOT_PUBLIC not in await _names(admin, app)


async def test_overseerr_survives_an_empty_body(login: Login) -> None:
    admin = await api_client(login, "admin")
    before = (await admin.get("/api/v1/admin/integrations/overseerr")).json()
    for method in ("PUT", "POST"):
        refused = await admin.request(method, "/api/v1/admin/integrations/overseerr", json={})
        assert refused.status_code == 422
    assert (await admin.get("/api/v1/admin/integrations/overseerr")).json() == before


@pytest.mark.parametrize(
    "body",
    [
        {"url": "http://127.0.0.1:9"},
        {"values": {"slug": SLUG}, "extra": 1},
        {"values": {"slug": SLUG, "sluggish": "x"}},
    ],
)
async def test_unknown_keys_are_refused(login: Login, kuma: KumaRig, body: object) -> None:
    admin = await api_client(login, "admin")
    for method in ("PUT", "PATCH", "POST"):
        answer = await admin.request(method, KUMA, json=body)
        assert answer.status_code == 422, (method, answer.text)
    assert (await admin.get(KUMA)).json()["settings"]["slug"] == SLUG


async def test_clearing_the_slug_is_refused_unless_every_monitor_is_chosen(
    app: FastAPI, login: Login, kuma: KumaRig
) -> None:
    admin = await api_client(login, "admin")
    refused = await admin.patch(KUMA, json={"values": {"slug": ""}})
    assert refused.status_code == 422
    assert "every monitor" in refused.json()["detail"]
    assert NOT_PUBLIC not in await _names(admin, app)
    chosen = await admin.patch(KUMA, json={"values": {"slug": "", "all_monitors": "yes"}})
    assert chosen.status_code == 200, chosen.text
    assert NOT_PUBLIC in await _names(admin, app)


async def test_metrics_alone_in_the_environment_shows_nothing_until_chosen(
    tmp_path_factory: pytest.TempPathFactory, database_url: str, kuma: KumaRig
) -> None:
    """A new install with only URL + API key set: no dashboard of private monitors."""
    for chosen, expected in ((False, False), (True, True)):
        values = kuma.settings(uptime_kuma_slug=None, uptime_kuma_all_monitors=chosen)
        settings = make_settings(tmp_path_factory.mktemp("data"), database_url, **values)
        app = create_app(settings)
        async with LifespanManager(app, startup_timeout=30, shutdown_timeout=30):
            transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
            async with admin_client(transport=transport) as admin:
                board = (await admin.get("/api/v1/services")).json()
                assert board["configured"] is expected
                if expected:
                    assert NOT_PUBLIC in await _names(admin, app)
    assert identities.UPTIME_KUMA_API_KEY
