"""Plex down, slow, refusing the token, or not configured: the library says so, shows what
it has, never answers 500, and the rest of MediaNest keeps working."""

from __future__ import annotations

import re
import time
from pathlib import Path

import httpx
import pytest
from asgi_lifespan import LifespanManager
from markupsafe import escape

from medianest.app import create_app
from tests.conftest import ADMIN_PASSWORD, Login, PlexWorld, make_settings
from tests.support import backends
from tests.support.signin import sign_in_local

CARD = re.compile(r'class="poster-card[^"]*" href="(/library/[a-z]+/\d+)"')
LIBRARY_PAGES = ("/library", "/library/sections/1", "/library/items/1", "/library/collections/1")


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    """Every read goes to Plex (no fresh cache), and Plex gets one second to answer."""
    return {"library_cache_seconds": 0, "library_plex_timeout_seconds": 1.0}


async def _assert_degraded_everywhere(http: httpx.AsyncClient, text: str) -> None:
    shown = str(escape(text))  # as it appears in HTML
    for path in LIBRARY_PAGES:
        page = await http.get(path)
        assert page.status_code == 503, (path, page.status_code)
        assert shown in page.text and 'class="sidebar"' in page.text  # a page, with the app
        assert "Traceback" not in page.text
    api = await http.get("/api/v1/library/sections")
    assert api.status_code == 503
    assert api.headers["content-type"].startswith("application/problem+json")
    assert text in api.json()["detail"]
    suggest = await http.get("/library/search/suggest?q=ca")
    assert suggest.status_code == 200 and shown in suggest.text
    search = await http.get("/library/search?q=ca")
    assert search.status_code == 200 and shown in search.text
    recent = await http.get("/library/recently-added")
    assert recent.status_code == 200 and shown in recent.text
    image = await http.get("/library/images?path=/library/metadata/1/thumb/1&w=240&h=360")
    assert image.status_code == 503 and image.headers["content-type"] == "image/svg+xml"
    assert (await http.get("/account")).status_code == 200  # the rest keeps working


async def test_plex_down_with_nothing_cached(login: Login, plex_world: PlexWorld) -> None:
    http = await login("alice")
    plex_world.plex.faults.down = True
    await _assert_degraded_everywhere(http, "Plex is not answering")
    page = await http.get("/library")
    assert re.search(r"Plex is not answering \(since \d\d:\d\d UTC\)", page.text)


async def test_plex_down_shows_what_was_cached_then_recovers(
    login: Login, plex_world: PlexWorld
) -> None:
    http = await login("alice")
    before = await http.get("/library/sections/1?sort=added")
    cards = CARD.findall(before.text)
    assert cards and "Showing what MediaNest saw last" not in before.text
    plex_world.plex.faults.down = True
    during = await http.get("/library/sections/1?sort=added")
    assert during.status_code == 200
    assert "Showing what MediaNest saw last" in during.text
    assert CARD.findall(during.text) == cards
    plex_world.plex.faults.down = False
    after = await http.get("/library/sections/1?sort=added")
    assert "Showing what MediaNest saw last" not in after.text
    assert CARD.findall(after.text) == cards


async def test_api_marks_cached_answers_as_stale(login: Login, plex_world: PlexWorld) -> None:
    http = await login("alice")
    fresh = (await http.get("/api/v1/library/sections/1/items?size=5")).json()
    assert fresh["stale"] is False
    plex_world.plex.faults.down = True
    stale = await http.get("/api/v1/library/sections/1/items?size=5")
    assert stale.status_code == 200
    assert stale.json()["stale"] is True and stale.json()["items"] == fresh["items"]


async def test_slow_plex_gets_a_notice_in_bounded_time(login: Login, plex_world: PlexWorld) -> None:
    http = await login("alice")
    plex_world.plex.faults.slow = 10.0  # far beyond the page's 1 s patience
    started = time.monotonic()
    page = await http.get("/library")
    assert page.status_code == 503 and "Plex is slow to answer" in page.text
    # Answered long before Plex would have; the margin leaves room for a loaded machine.
    assert time.monotonic() - started < 6.0
    api = await http.get("/api/v1/library/items/1")
    assert api.status_code == 503 and "slow" in api.json()["detail"]


async def test_refused_token_says_an_admin_must_reconnect(
    login: Login, plex_world: PlexWorld
) -> None:
    http = await login("alice")
    plex_world.plex.faults.revoked = True
    await _assert_degraded_everywhere(http, "Plex refused MediaNest's token")


async def test_no_plex_configured(tmp_path: Path, database_url: str) -> None:
    settings = make_settings(tmp_path / "data", database_url, plex_url=None, plex_token=None)
    app = create_app(settings)
    async with LifespanManager(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            await sign_in_local(http, "admin", ADMIN_PASSWORD)
            page = await http.get("/library")
            assert page.status_code == 503
            assert "No Plex server is configured yet" in page.text
            assert "Check the Plex settings" in page.text  # the admin is shown where to go
            api = await http.get("/api/v1/library/search?q=x")
            assert api.status_code == 503
            recent = await http.get("/library/recently-added")
            assert recent.status_code == 200 and recent.text == ""  # nothing on the dashboard
    if settings.redis_url:
        backends.purge_redis_namespace(settings.redis_url, settings.redis_namespace)
