"""No configured secret ever leaves MediaNest: every admin page and admin/API JSON answer is
scanned, and the diagnostics file is checked; environment pre-seeds are named on the page."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from medianest.demo import identities
from medianest.integrations.fakekit import FakeServer
from medianest.integrations.overseerr.fake import OverseerrFakeState
from medianest.integrations.overseerr.fake import create_app as overseerr_app
from tests.conftest import ADMIN_PASSWORD, Login
from tests.integration.test_admin_integrations import save_form
from tests.support.kuma_rig import SLUG, KumaRig, start_kuma
from tests.support.signin import api_client

OVERSEERR_HOOK = "Bearer overseerr-hook-secret-4d5e6f"
KUMA_HOOK = "kuma-hook-secret-a1b2c3d4"
SECRETS = (
    identities.PLEX_OWNER_TOKEN,
    identities.OVERSEERR_API_KEY,
    identities.UPTIME_KUMA_API_KEY,
    OVERSEERR_HOOK.removeprefix("Bearer "),
    KUMA_HOOK,
    ADMIN_PASSWORD,
)


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


async def _configure_everything(
    admin: httpx.AsyncClient, overseerr: FakeServer, kuma: KumaRig
) -> None:
    """Plex comes from the environment (the suite's settings); the rest is saved on the page."""
    saved = await admin.put(
        "/api/v1/admin/integrations/overseerr",
        json={
            "values": {
                "url": overseerr.url,
                "api_key": identities.OVERSEERR_API_KEY,
                "webhook_secret": OVERSEERR_HOOK,
            }
        },
    )
    assert saved.status_code == 200, saved.text
    form = await save_form(
        admin,
        "uptime_kuma",
        url=kuma.server.url,
        slug=SLUG,
        api_key=identities.UPTIME_KUMA_API_KEY,
        webhook_secret=KUMA_HOOK,
    )
    assert form.status_code == 303, form.text


def _leaks(response: httpx.Response) -> list[str]:
    found = []
    headers = "\n".join(f"{k}: {v}" for k, v in response.headers.multi_items())
    for secret in SECRETS:
        if secret in response.text or secret in headers:
            found.append(secret[:6] + "…")
    return found


def _routes(routes: list[Any], prefix: str = "") -> Iterator[tuple[str, set[str]]]:
    """(path, methods) of every route, through included routers (FastAPI nests them lazily)."""
    for route in routes:
        nested = getattr(route, "original_router", None)
        if nested is not None:
            yield from _routes(nested.routes, prefix + route.include_context.prefix)
        elif hasattr(route, "path"):
            yield prefix + route.path, set(getattr(route, "methods", None) or ())


def _scannable(app: FastAPI) -> list[str]:
    """GET routes under /admin and /api/v1 that need no path parameter."""
    return sorted(
        {
            path
            for path, methods in _routes(app.routes)
            if "GET" in methods and "{" not in path and path.startswith(("/admin", "/api/v1"))
        }
    )


async def test_no_secret_in_any_admin_page_or_api_answer(
    app: FastAPI, login: Login, overseerr_server: FakeServer, kuma: KumaRig
) -> None:
    admin = await api_client(login, "admin")
    await _configure_everything(admin, overseerr_server, kuma)
    paths = _scannable(app)
    assert {"/admin/integrations", "/admin/integrations/diagnostics", "/admin/users"} <= set(paths)
    assert "/api/v1/admin/integrations" in paths
    extra = [f"/api/v1/admin/integrations/{s}" for s in ("plex", "overseerr", "uptime_kuma")]
    answered = {}
    for path in [*paths, *extra]:
        response = await admin.get(path)
        answered[path] = response.status_code
        assert _leaks(response) == [], f"{path} shows a secret"
    assert [p for p, status in answered.items() if status >= 500] == [], answered
    assert answered["/admin/integrations"] == 200
    assert answered["/api/v1/admin/integrations"] == 200
    # Test and save answers (success and failure) carry none either.
    bad = {"values": {"url": overseerr_server.url, "api_key": "wrong-key"}}
    for response in (
        await admin.post("/api/v1/admin/integrations/overseerr/test", json={"values": {}}),
        await admin.post("/api/v1/admin/integrations/overseerr/test", json=bad),
        await admin.put("/api/v1/admin/integrations/uptime_kuma", json={"values": {}}),
        await save_form(admin, "plex", url="http://127.0.0.1:9"),
    ):
        assert response.status_code < 500
        assert _leaks(response) == []


async def test_diagnostics_file_has_state_and_versions_but_no_secret(
    app: FastAPI, login: Login, overseerr_server: FakeServer, kuma: KumaRig
) -> None:
    admin = await api_client(login, "admin")
    await _configure_everything(admin, overseerr_server, kuma)
    overseerr_server.stop()  # Overseerr goes away: the file says so
    await admin.post(
        "/api/v1/admin/integrations/overseerr/test", json={"values": {}}
    )  # a test does not touch the live client's record ...
    searched = await admin.get("/api/v1/media/search?q=dune")  # ... a real use does
    assert searched.status_code == 503
    response = await admin.get("/admin/integrations/diagnostics")
    assert response.status_code == 200
    assert response.headers["content-disposition"].startswith("attachment;")
    assert _leaks(response) == []
    report = json.loads(response.text)
    assert report["versions"]["medianest"]
    assert "yt-dlp" in report["versions"]
    by_name = {item["service"]: item for item in report["integrations"]}
    assert by_name["overseerr"]["settings"] == {
        "url": overseerr_server.url,
        "api_key": "set",
        "webhook_secret": "set",
    }
    assert by_name["overseerr"]["state"] == "unavailable"
    assert by_name["overseerr"]["unavailable_since"]
    assert "connect" in by_name["overseerr"]["last_error"]
    assert by_name["overseerr"]["last_success_at"]  # the save's own test
    assert by_name["uptime_kuma"]["settings"]["api_key"] == "set"
    assert by_name["plex"]["from_environment"] == ["MEDIANEST_PLEX_URL", "MEDIANEST_PLEX_TOKEN"]
    assert set(by_name) == {"plex", "overseerr", "uptime_kuma", "youtube"}


async def test_page_says_which_values_come_from_the_environment(app: FastAPI, login: Login) -> None:
    admin = await login("admin")
    page = await admin.get("/admin/integrations")
    assert page.status_code == 200
    assert "MEDIANEST_PLEX_URL" in page.text
    assert "MEDIANEST_PLEX_TOKEN" in page.text
    assert "/api/v1/webhooks/overseerr" in page.text  # the URL to paste into Overseerr
    listed = (await admin.get("/api/v1/admin/integrations")).json()
    plex = next(item for item in listed if item["service"] == "plex")
    assert plex["sources"] == {"url": "environment", "token": "environment"}
    overseerr = next(item for item in listed if item["service"] == "overseerr")
    assert overseerr["state"] == "not_configured"
