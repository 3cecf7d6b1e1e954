"""Library views made once per Plex answer and sent again: still right for every viewer, and
replaced as soon as the answer is."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from medianest.web.api.library import ItemPageOut, SearchOut
from tests.conftest import Login, PlexWorld
from tests.support.shared_pages import assert_personal, own_form_tokens

MOVIES = 1


async def _grid(http: httpx.AsyncClient, path: str = f"/library/sections/{MOVIES}") -> str:
    response = await http.get(path)
    assert response.status_code == 200
    return response.text


async def test_a_new_movie_shows_on_the_grid_once_its_section_is_invalidated(
    app: FastAPI, login: Login, plex_world: PlexWorld
) -> None:
    http = await login("alice")
    title = "Aaaa Rendered Probe"  # sorts first, so it lands on page one
    assert title not in await _grid(http)
    added = plex_world.plex.add_movie(MOVIES, title, year=2026)
    cache = app.state.container.library_cache
    try:
        assert title not in await _grid(http)  # the cached answer, as before
        await cache.invalidate_section(MOVIES)
        assert title in await _grid(http)
        assert title in await _grid(http, f"/library/sections/{MOVIES}/cards")
    finally:
        plex_world.plex.remove_item(added.rk)
        await cache.invalidate_all()
    assert title not in await _grid(http)


async def test_each_viewer_gets_their_own_page_around_the_shared_grid(
    app: FastAPI, login: Login
) -> None:
    alice, bob = await login("alice"), await login("bob")
    alices, bobs = await _grid(alice), await _grid(bob)
    assert "Alice" in alices and "Alice" not in bobs
    assert "Bob" in bobs and "Bob" not in alices
    start = '<div class="poster-grid" id="poster-grid"'
    grid_of = [page[page.index(start) : page.index("</main>")] for page in (alices, bobs)]
    assert grid_of[0] == grid_of[1]
    assert grid_of[0].count('class="poster-card"') > 0


async def test_a_page_kept_for_everyone_carries_each_viewers_name_token_and_menu(
    app: FastAPI, login: Login
) -> None:
    viewers = {"Alice": await login("alice"), "Bob": await login("bob")}
    viewers["Administrator"] = await login("admin")
    pages = {}
    for _ in range(2):  # the second round is served from the kept page
        for name, http in viewers.items():
            pages[name] = await _grid(http)
    for name, http in viewers.items():
        assert_personal(
            pages[name], await own_form_tokens(http), name=name, admin=name == "Administrator"
        )


async def test_cached_and_fresh_listings_are_the_same_documented_json(
    app: FastAPI, login: Login
) -> None:
    http = await login("alice")
    reader = app.state.container.library.reader
    path = f"/api/v1/library/sections/{MOVIES}/items?size=7&start=2"
    reader.ttl = 0
    fresh = await http.get(path)
    reader.ttl = 3600
    await http.get(path)
    cached = await http.get(path)
    assert fresh.headers["content-type"] == cached.headers["content-type"] == "application/json"
    assert fresh.json() == cached.json()
    page = ItemPageOut.model_validate(cached.json())
    assert (page.start, page.size, len(page.items), page.stale) == (2, 7, 7, False)
    assert all(
        i.poster_url and i.poster_url.startswith("/library/images?path=") for i in page.items
    )

    found = SearchOut.model_validate((await http.get("/api/v1/library/search?q=the")).json())
    assert found.query == "the" and not found.stale
    other = (await http.get("/api/v1/library/search?q=THE")).json()
    assert other["query"] == "THE"  # the same answer from Plex, but the asker's own words
