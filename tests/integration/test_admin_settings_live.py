"""Admin changes taking effect live: the request rate limit lowered mid-session, and the
feature switches hiding requests, YouTube and the library from people (and coming back)."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from tests.conftest import Login
from tests.integration.test_admin_settings import LIMITS_FORM, api, post_form
from tests.support.overseerr_world import (  # noqa: F401 - fixtures
    OverseerrWorld,
    overseerr_overrides,
    overseerr_world,
)
from tests.support.signin import api_client, csrf_token

FEATURES = {
    "requests": ("/requests", "/api/v1/requests", "Requests"),
    "youtube": ("/downloads", "/api/v1/downloads", "YouTube downloads"),
    "library": ("/library", "/api/v1/library/sections", "The library"),
}


async def request_movie(client: httpx.AsyncClient, tmdb_id: int) -> httpx.Response:
    return await client.post("/api/v1/requests", json={"media_type": "movie", "tmdb_id": tmdb_id})


async def test_request_limit_lowered_mid_session_applies_to_the_next_request(
    overseerr: OverseerrWorld, login: Login
) -> None:
    alice = await api_client(login, "alice")
    admin = await login("admin")
    for skip in range(2):  # under the default of 20 per hour
        made = await request_movie(alice, overseerr.fresh(skip=skip).tmdb_id)
        assert made.status_code == 201, made.text

    lowered = await post_form(admin, "/admin/settings", {**LIMITS_FORM, "requests_per_hour": "2"})
    assert lowered.status_code == 303

    over = await request_movie(alice, overseerr.fresh(skip=2).tmdb_id)
    assert over.status_code == 429
    assert 0 < int(over.headers["retry-after"]) <= 3600
    assert "You have made 2 requests in the last hour, which is the limit" in over.json()["detail"]
    page = await alice.post(
        "/requests",
        data={
            "csrf_token": await csrf_token(alice, "/requests"),
            "media_type": "movie",
            "tmdb_id": overseerr.fresh(skip=3).tmdb_id,
        },
    )
    assert page.status_code == 429
    assert "which is the limit. Please try again in about" in page.text
    assert len(overseerr.recorder.posts()) == 2  # Overseerr never saw the refused ones

    raised = await api(admin, "PATCH", {"requests_per_hour": 3})
    assert raised.status_code == 200
    third = await request_movie(alice, overseerr.fresh(skip=2).tmdb_id)
    assert third.status_code == 201, third.text


async def nav_links(client: httpx.AsyncClient) -> str:
    return (await client.get("/inbox")).text


async def test_each_feature_switch_hides_nav_pages_and_api_for_people(
    app: FastAPI, overseerr: OverseerrWorld, login: Login
) -> None:
    alice = await api_client(login, "alice")
    admin = await api_client(login, "admin")
    for feature, (page, endpoint, name) in FEATURES.items():
        before = await nav_links(alice)
        assert f'href="{page}" class="nav-link' in before, feature
        assert (await alice.get(page)).status_code == 200, feature

        off = await api(admin, "PATCH", {f"feature_{feature}": False})
        assert off.status_code == 200

        hidden = await nav_links(alice)
        assert f'href="{page}" class="nav-link' not in hidden, feature
        assert f'<a href="{page}" class="' not in hidden.split('class="bottom-nav"')[1], feature
        refused = await alice.get(page)
        assert refused.status_code == 403, feature
        assert f"{name} is turned off by the admin of this server." in refused.text
        assert "This feature is turned off" in refused.text
        problem = await alice.get(endpoint)
        assert problem.status_code == 403, feature
        assert problem.headers["content-type"].startswith("application/problem+json")
        assert problem.json()["title"] == "Feature turned off"

        admin_view = await admin.get(page)  # admins still get in, with a hint
        assert admin_view.status_code == 200, feature
        assert f"{name} is turned off: only admins see this page." in admin_view.text
        assert 'class="nav-off"' in await nav_links(admin)

        on = await api(admin, "PATCH", {f"feature_{feature}": True})
        assert on.status_code == 200
        assert f'href="{page}" class="nav-link' in await nav_links(alice), feature
        assert (await alice.get(page)).status_code == 200, feature
        assert (await alice.get(endpoint)).status_code == 200, feature


async def test_library_switch_hides_dashboard_row_and_header_search(
    overseerr: OverseerrWorld, login: Login
) -> None:
    alice = await api_client(login, "alice")
    admin = await login("admin")
    home = (await alice.get("/")).text
    assert 'id="recently-added"' in home and 'id="library-search-input"' in home
    await api(admin, "PATCH", {"feature_library": False})
    home = (await alice.get("/")).text
    assert 'id="recently-added"' not in home and 'id="library-search-input"' not in home
    assert (await alice.get("/library/recently-added")).status_code == 403


async def test_webhooks_keep_working_while_requests_are_off(
    overseerr: OverseerrWorld, login: Login
) -> None:
    alice = await api_client(login, "alice")
    admin = await api_client(login, "admin")
    made = await request_movie(alice, overseerr.fresh().tmdb_id)
    assert made.status_code == 201, made.text
    assert (await api(admin, "PATCH", {"feature_requests": False})).status_code == 200
    overseerr.state.advance(made.json()["overseerr_request_id"], "approved")
    await overseerr.settle()
    assert overseerr.state.webhook_log[-1].status_code == 200
    assert (await overseerr.row(made.json()["id"])).status in ("approved", "processing")
