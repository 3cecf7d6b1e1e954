"""The library pages: overview, poster grid with infinite scroll, item pages, collections
(including the ones MediaNest made), header search, and the dashboard's recently-added row."""

from __future__ import annotations

import re

import httpx
import pytest
from fastapi import FastAPI
from markupsafe import escape

from medianest.domain.library import GRID_PAGE_SIZE, MEDIANEST_MARK
from tests.conftest import Login, PlexWorld

MOVIES, TV = 1, 2
CARD = re.compile(r'class="poster-card[^"]*" href="(/library/[a-z]+/\d+)"')


@pytest.fixture
async def http(login: Login) -> httpx.AsyncClient:
    return await login("bob")


async def _page(http: httpx.AsyncClient, path: str, status: int = 200) -> str:
    response = await http.get(path)
    assert response.status_code == status, response.text[:500]
    assert "text/html" in response.headers["content-type"]
    return response.text


async def test_overview_lists_libraries_with_counts(http: httpx.AsyncClient) -> None:
    page = await _page(http, "/library")
    assert 'href="/library/sections/1"' in page and "200 movies" in page
    assert "40 shows" in page and "YouTube" in page
    assert 'hx-get="/library/recently-added"' in page
    assert 'aria-current="page"' in page and "Library" in page


async def test_grid_pages_and_infinite_scroll(http: httpx.AsyncClient) -> None:
    page = await _page(http, f"/library/sections/{MOVIES}?sort=year")
    assert len(CARD.findall(page)) == GRID_PAGE_SIZE
    assert "<strong>200</strong> items" in page
    assert 'hx-get="/library/sections/1/cards?sort=year&amp;page=2"' in page
    assert 'hx-trigger="revealed"' in page
    assert 'href="/library/sections/1?sort=year&amp;page=2">Load more' in page
    seen = set(CARD.findall(page))
    for number in (2, 3):
        fragment = await _page(http, f"/library/sections/{MOVIES}/cards?sort=year&page={number}")
        assert "<html" not in fragment
        cards = CARD.findall(fragment)
        assert len(cards) == GRID_PAGE_SIZE and seen.isdisjoint(cards)
        seen |= set(cards)
    last = await _page(http, f"/library/sections/{MOVIES}/cards?sort=year&page=4")
    assert len(CARD.findall(last)) == 200 - 3 * GRID_PAGE_SIZE
    assert "hx-get" not in last  # the end: no more sentinel


async def test_out_of_range_and_mangled_links_never_fail(http: httpx.AsyncClient) -> None:
    past = await _page(http, f"/library/sections/{MOVIES}?page=999")
    assert "past the end" in past and "Previous page" in past
    odd = await _page(http, f"/library/sections/{MOVIES}?page=-3&sort=%3Cx%3E&year=abc&genre=1;2")
    assert len(CARD.findall(odd)) == GRID_PAGE_SIZE  # first page, default sort, no filters
    await _page(http, "/library/sections/abc", status=404)
    await _page(http, "/library/sections/999", status=404)
    await _page(http, "/library/items/abc", status=404)
    await _page(http, "/library/items/999999", status=404)
    await _page(http, "/library/collections/1", status=404)  # an item, not a collection


async def test_filters_are_offered_and_applied(
    http: httpx.AsyncClient, plex_world: PlexWorld
) -> None:
    state = plex_world.plex
    gid = state.genre_id("Comedy")
    page = await _page(http, f"/library/sections/{MOVIES}?genre={gid}&sort=rating")
    assert f'<option value="{gid}" selected>Comedy</option>' in page
    assert '<option value="rating" selected>Rating</option>' in page
    expected = sum(1 for i in state.snapshot() if i.type == "movie" and gid in i.genre_ids)
    assert f"<strong>{expected}</strong>" in page
    assert "Clear filters" in page


async def test_movie_page(http: httpx.AsyncClient, plex_world: PlexWorld) -> None:
    state = plex_world.plex
    movie = next(i for i in state.snapshot() if i.type == "movie" and i.title.startswith("Amélie"))
    page = await _page(http, f"/library/items/{movie.rk}")
    assert str(escape(movie.title)) in page
    assert "Open in Plex" in page and "https://app.plex.tv/desktop#!/server/" in page
    assert f"/library/images?path=%2Flibrary%2Fmetadata%2F{movie.rk}%2Fart%2F" in page
    assert 'class="item-genres"' in page
    assert 'href="/library/sections/1">Movies</a>' in page


async def test_show_page_loads_seasons_and_episodes(
    http: httpx.AsyncClient, plex_world: PlexWorld
) -> None:
    state = plex_world.plex
    show = next(i for i in state.snapshot() if i.type == "show" and len(i.children or ()) > 1)
    page = await _page(http, f"/library/items/{show.rk}")
    season_rks = re.findall(r'hx-get="/library/items/(\d+)/episodes"', page)
    assert season_rks == [str(rk) for rk in show.children or ()]
    assert 'hx-trigger="load"' in page and "toggle from:closest details once" in page
    episodes = await _page(http, f"/library/items/{season_rks[0]}/episodes")
    assert episodes.count('class="episode"') == len(state.items[int(season_rks[0])].children or ())
    season_page = await _page(http, f"/library/items/{season_rks[0]}")
    assert f'href="/library/items/{show.rk}"' in season_page and "Episodes" in season_page


async def test_collections_and_the_ones_medianest_made(
    app: FastAPI, http: httpx.AsyncClient, plex_world: PlexWorld
) -> None:
    state = plex_world.plex
    members = [i.rk for i in state.snapshot() if i.type == "movie"][:3]
    marked = state.add_collection(
        MOVIES, "Lo-fi Mix", members, summary=f"{MEDIANEST_MARK} from the YouTube playlist."
    )
    registered = state.add_collection(MOVIES, "Synth Tapes", members[:1])

    async def created_by_downloads() -> set[str]:
        return {str(registered.rk)}

    app.state.container.library.use_collection_origin(created_by_downloads)
    await app.state.container.library_cache.invalidate_section(MOVIES)
    try:
        page = await _page(http, f"/library/sections/{MOVIES}/collections")
        assert page.count("badge-medianest") == 2
        assert "Sci-Fi Essentials" in page and "Staff Picks &amp; Favourites" in page
        api = (await http.get("/api/v1/library/collections", params={"section": MOVIES})).json()
        by_title = {c["title"]: c["created_by_medianest"] for c in api["collections"]}
        assert by_title["Lo-fi Mix"] and by_title["Synth Tapes"]
        assert not by_title["Sci-Fi Essentials"]
        detail = await _page(http, f"/library/collections/{marked.rk}")
        assert "Made by MediaNest from a YouTube playlist" in detail
        assert len(CARD.findall(detail)) == 3
        assert detail.count("poster-card poster-card-wide") == 3  # downloaded videos: 16:9
        item = await _page(http, f"/library/items/{members[0]}")
        assert f'href="/library/collections/{marked.rk}"' in item
    finally:
        state.remove_item(marked.rk)
        state.remove_item(registered.rk)


async def test_awkward_titles_are_escaped_everywhere(http: httpx.AsyncClient) -> None:
    for path in (
        f"/library/sections/{MOVIES}?sort=title",
        "/library/search?q=%3C%2Fscript%3E",
        "/library/search/suggest?q=%3Cb%3EHTML",
        "/library/search?q=%3Ci%3EItalic",
    ):
        page = await _page(http, path)
        assert "<script>alert" not in page and "<b>HTML</b>" not in page
        assert "<i>Italic</i>" not in page
    search = await _page(http, "/library/search?q=%3Cb%3EHTML%3C%2Fb%3E")
    assert "&lt;b&gt;HTML&lt;/b&gt; in the Title" in search


async def test_header_search_suggestions(http: httpx.AsyncClient) -> None:
    page = await _page(http, "/library")
    assert 'hx-get="/library/search/suggest"' in page
    assert 'hx-trigger="input changed delay:250ms, search"' in page
    assert "js/library.js" in page
    fragment = await _page(http, "/library/search/suggest?q=caf%C3%A9")
    assert 'aria-label="Movies"' in fragment and 'aria-label="Shows"' in fragment
    assert fragment.count('role="option"') >= 3
    assert 'href="/library/search?q=caf%C3%A9"' in fragment
    empty = await _page(http, "/library/search/suggest?q=zzzqqq")
    assert "No matches for" in empty
    assert (await _page(http, "/library/search/suggest?q=")).strip() == ""


async def test_full_search_page(http: httpx.AsyncClient) -> None:
    page = await _page(http, "/library/search?q=%F0%9F%8E%AC+Emoji")
    assert "🎬 Emoji Movie Night 🍿" in page
    assert 'value="🎬 Emoji"' in page
    none = await _page(http, "/library/search?q=nothing-like-this")
    assert "Nothing in the library matches" in none


async def test_recently_added_row(http: httpx.AsyncClient, plex_world: PlexWorld) -> None:
    fragment = await _page(http, "/library/recently-added")
    assert "<html" not in fragment and "Recently added" in fragment
    state = plex_world.plex
    newest = max(
        (i for i in state.snapshot() if i.type in ("movie", "show")), key=lambda i: i.added_at
    )
    first = CARD.search(fragment)
    assert first and first.group(1).startswith("/library/items/")
    shown = state.items[int(first.group(1).rsplit("/", 1)[1])]
    assert shown.added_at == newest.added_at


async def test_pages_need_a_signed_in_user(client: httpx.AsyncClient) -> None:
    response = await client.get("/library/sections/1")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/signin?next=")
    hx = await client.get("/library/search/suggest?q=x", headers={"HX-Request": "true"})
    assert hx.headers.get("HX-Redirect", "").startswith("/signin")


async def test_a_filter_that_matches_nothing_offers_to_clear_it(http: httpx.AsyncClient) -> None:
    page = await _page(http, f"/library/sections/{MOVIES}?year=1901")
    assert "No match for these filters" in page
    assert f'href="/library/sections/{MOVIES}">Clear filters' in page
    assert "Nothing here yet" not in page


async def test_episodes_keep_their_landscape_shape_in_search(
    http: httpx.AsyncClient, plex_world: PlexWorld
) -> None:
    episode = next(
        item
        for item in plex_world.plex.items.values()
        if item.type == "episode" and item.title.isascii() and len(item.title) > 12
    )
    page = await _page(http, f"/library/search?q={episode.title}")
    card = page.split(f'href="/library/items/{episode.rk}"')[0].rsplit("<a ", 1)[1]
    assert "poster-card-wide" in card
    tail = page.split(f'href="/library/items/{episode.rk}"')[1].split("</a>")[0]
    assert "w=320&amp;h=180" in tail  # a 16:9 picture, not a portrait crop
