"""The library JSON API against the fake Plex server: sections, paging, sorting, filters,
item details, collections, search, and problem details for bad ids and parameters."""

from __future__ import annotations

from datetime import datetime

import httpx
import pytest

from medianest.demo.identities import PLEX_MACHINE_ID
from medianest.integrations.plex.fake import PlexFakeState
from tests.conftest import Login, PlexWorld

MOVIES, TV = 1, 2


@pytest.fixture
async def http(login: Login) -> httpx.AsyncClient:
    return await login("alice")


def _movies(state: PlexFakeState) -> list[int]:
    return [i.rk for i in state.snapshot() if i.section_id == MOVIES and i.type == "movie"]


async def _items(http: httpx.AsyncClient, query: str = "", section: int = MOVIES) -> dict:
    response = await http.get(f"/api/v1/library/sections/{section}/items{query}")
    assert response.status_code == 200, response.text
    return response.json()


async def test_sections_come_with_their_counts(
    http: httpx.AsyncClient, plex_world: PlexWorld
) -> None:
    body = (await http.get("/api/v1/library/sections")).json()
    state = plex_world.plex

    def count(section: int, kind: str) -> int:
        return sum(1 for i in state.snapshot() if i.section_id == section and i.type == kind)

    youtube = state.section_by_title("YouTube").id
    assert body["stale"] is False
    assert [(s["title"], s["type"], s["count"]) for s in body["sections"]] == [
        ("Movies", "movie", count(MOVIES, "movie")),
        ("TV Shows", "show", count(TV, "show")),
        ("YouTube", "movie", count(youtube, "movie")),
    ]


async def test_paging_edges(http: httpx.AsyncClient, plex_world: PlexWorld) -> None:
    total = len(_movies(plex_world.plex))
    first = await _items(http, "?size=5")
    assert (first["start"], first["size"], first["total"], len(first["items"])) == (0, 5, total, 5)
    second = await _items(http, "?page=2&size=5")
    assert second["start"] == 5
    assert {i["rating_key"] for i in first["items"]}.isdisjoint(
        i["rating_key"] for i in second["items"]
    )
    huge = await _items(http, "?size=100000")  # clamped, not refused
    assert (huge["size"], len(huge["items"])) == (200, min(200, total))
    last = await _items(http, f"?start={total - 1}&size=10")
    assert len(last["items"]) == 1
    past = await _items(http, f"?start={total + 500}&size=10")  # an empty page, not an error
    assert (past["items"], past["total"]) == ([], total)
    far = await _items(http, "?page=99999&size=200")
    assert far["items"] == [] and far["total"] == total


@pytest.mark.parametrize(
    "query",
    ["?start=-1", "?size=0", "?page=0", "?sort=random", "?year=abc", "?genre=drama", "?size=x"],
)
async def test_bad_parameters_are_problems(http: httpx.AsyncClient, query: str) -> None:
    response = await http.get(f"/api/v1/library/sections/{MOVIES}/items{query}")
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["status"] == 422


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/library/sections/abc/items",
        "/api/v1/library/sections/999/items",
        "/api/v1/library/sections/1.5/items",
        "/api/v1/library/items/abc",
        "/api/v1/library/items/999999999",
        "/api/v1/library/items/1%27%20OR%201=1",
        "/api/v1/library/items/-1",
        "/api/v1/library/collections?section=nope",
        "/api/v1/library/collections?section=77",
    ],
)
async def test_unknown_or_malformed_ids_are_404_problems(
    http: httpx.AsyncClient, path: str
) -> None:
    response = await http.get(path)
    assert response.status_code == 404, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == 404 and body["detail"]


async def test_a_collection_id_is_not_an_item(
    http: httpx.AsyncClient, plex_world: PlexWorld
) -> None:
    coll = next(i for i in plex_world.plex.snapshot() if i.type == "collection")
    assert (await http.get(f"/api/v1/library/items/{coll.rk}")).status_code == 404


@pytest.mark.parametrize(
    ("sort", "field", "descending"),
    [("year", "year", True), ("rating", "rating", True), ("added", "added_at", True)],
)
async def test_sorting_is_done_by_plex(
    http: httpx.AsyncClient, sort: str, field: str, descending: bool
) -> None:
    items = (await _items(http, f"?sort={sort}&size=200"))["items"]
    values = [i[field] for i in items if i[field] is not None]
    if field == "added_at":
        values = [datetime.fromisoformat(v) for v in values]
    assert values == sorted(values, reverse=descending)


async def test_title_sort_uses_plex_title_sort(
    http: httpx.AsyncClient, plex_world: PlexWorld
) -> None:
    items = (await _items(http, "?size=200"))["items"]
    state = plex_world.plex
    keys = [state.items[int(i["rating_key"])].sort_title.casefold() for i in items]
    assert keys == sorted(keys)


async def test_genre_and_year_filters(http: httpx.AsyncClient, plex_world: PlexWorld) -> None:
    state = plex_world.plex
    gid = state.genre_id("Drama")
    expected = [rk for rk in _movies(state) if gid in state.items[rk].genre_ids]
    found = await _items(http, f"?genre={gid}&size=200")
    assert found["total"] == len(expected) > 0
    assert all("Drama" in i["genres"] for i in found["items"])
    year = state.items[expected[0]].year
    both = await _items(http, f"?genre={gid}&year={year}&size=200")
    assert both["total"] == sum(1 for rk in expected if state.items[rk].year == year)
    assert all(i["year"] == year for i in both["items"])


async def test_movie_details(http: httpx.AsyncClient, plex_world: PlexWorld) -> None:
    state = plex_world.plex
    movie = next(i for i in state.snapshot() if i.type == "movie" and i.collections)
    body = (await http.get(f"/api/v1/library/items/{movie.rk}")).json()
    assert body["title"] == movie.title and body["year"] == movie.year
    assert body["duration_ms"] == movie.duration
    assert body["genres"] == [state.genres[g] for g in movie.genre_ids]
    assert body["plex_url"] == (
        f"https://app.plex.tv/desktop#!/server/{PLEX_MACHINE_ID}/details"
        f"?key=%2Flibrary%2Fmetadata%2F{movie.rk}"
    )
    assert {c["rating_key"] for c in body["collections"]} == {str(c) for c in movie.collections}
    assert body["poster_url"].startswith("/library/images?path=%2Flibrary%2Fmetadata%2F")


async def test_show_season_and_episode_details(
    http: httpx.AsyncClient, plex_world: PlexWorld
) -> None:
    state = plex_world.plex
    show = next(i for i in state.snapshot() if i.type == "show" and len(i.children or ()) > 1)
    body = (await http.get(f"/api/v1/library/items/{show.rk}")).json()
    seasons = body["children"]
    assert [s["type"] for s in seasons] == ["season"] * len(show.children or ())
    assert [s["index"] for s in seasons] == list(range(1, len(seasons) + 1))
    season = (await http.get(f"/api/v1/library/items/{seasons[0]['rating_key']}")).json()
    assert season["parent_rating_key"] == str(show.rk)
    episodes = season["children"]
    assert episodes and all(e["type"] == "episode" for e in episodes)
    episode = (await http.get(f"/api/v1/library/items/{episodes[0]['rating_key']}")).json()
    assert episode["grandparent_rating_key"] == str(show.rk)
    assert episode["grandparent_title"] == show.title
    assert episode["index"] == 1 and episode["children"] == []


async def test_collections_of_every_section_and_of_one(
    http: httpx.AsyncClient, plex_world: PlexWorld
) -> None:
    every = (await http.get("/api/v1/library/collections")).json()["collections"]
    titles = {c["title"] for c in every}
    assert {"Sci-Fi Essentials", "Comfort Shows", "Staff Picks & Favourites"} <= titles
    tv = (await http.get(f"/api/v1/library/collections?section={TV}")).json()["collections"]
    assert [c["title"] for c in tv] == ["Comfort Shows"]
    demo = [c for c in every if c["title"] in ("Sci-Fi Essentials", "Comfort Shows")]
    assert [c["created_by_medianest"] for c in demo] == [False, False]


async def test_hub_search_with_awkward_strings(http: httpx.AsyncClient) -> None:
    for query, title in [
        ('Don\'t "Quote"', 'Don\'t "Quote" Me'),
        ("🎬 Emoji", "🎬 Emoji Movie Night 🍿"),
        ("<b>HTML</b>", "<b>HTML</b> in the Title"),
        ("Tom & Jerry", "Tom & Jerry's Big Night"),
        ("100% #1 ?x=y", None),
    ]:
        response = await http.get("/api/v1/library/search", params={"q": query})
        assert response.status_code == 200, response.text
        hubs = response.json()["hubs"]
        found = [i["title"] for h in hubs for i in h["items"]]
        assert (title in found) if title else found == []


async def test_search_groups_results_by_type(http: httpx.AsyncClient) -> None:
    hubs = (await http.get("/api/v1/library/search", params={"q": "café"})).json()["hubs"]
    types = {h["type"]: [i["title"] for i in h["items"]] for h in hubs}
    assert 'Amélie & the "Café" Crowd' in types["movie"]
    assert "Café Society 🍵" in types["show"]


async def test_search_needs_a_query(http: httpx.AsyncClient) -> None:
    assert (await http.get("/api/v1/library/search")).status_code == 422
    assert (await http.get("/api/v1/library/search", params={"q": "x" * 201})).status_code == 422
    blank = await http.get("/api/v1/library/search", params={"q": "   "})
    assert blank.json()["hubs"] == []


async def test_the_api_needs_a_signed_in_user(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/library/sections")
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")
