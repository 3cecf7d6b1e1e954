"""Contract tests: the fake Plex Media Server behaves like PMS where MediaNest's client relies on it.

Reference: ``docs/protocols/plex.md`` (endpoints, tags, JSON types, paging, collections, scans,
images) and the community OpenAPI in ``tests/reference/plex/`` (validated through ``_spec.py``).
"""

from __future__ import annotations

import asyncio
import io
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import quote
from xml.etree import ElementTree as ET

import httpx
import pytest
from PIL import Image

from medianest.demo.identities import (
    ALICE,
    MALLORY,
    PLEX_MACHINE_ID,
    PLEX_OWNER_TOKEN,
    PLEX_SERVER_NAME,
    PLEX_VERSION,
)
from medianest.integrations.fakekit import FakeServer
from medianest.integrations.plex.fake import PlexFakeState, create_app
from tests.contract._spec import assert_valid, plex_spec, response_validator

BASE = "http://plex.test:32400"
OWNER_HEADERS = {"X-Plex-Token": PLEX_OWNER_TOKEN}
JSON = {**OWNER_HEADERS, "Accept": "application/json"}
LIB = f"server://{PLEX_MACHINE_ID}/com.plexapp.plugins.library"


@pytest.fixture
def state(tmp_path: Path) -> PlexFakeState:
    world = PlexFakeState.demo(seed=1, media_root=tmp_path / "media")
    world.scan_delay = 0.05
    return world


@pytest.fixture
async def client(state: PlexFakeState) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(state))
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as http:
        yield http


def container(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    body: dict[str, Any] = response.json()["MediaContainer"]
    return body


def xml(response: httpx.Response) -> ET.Element:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/xml")
    root = ET.fromstring(response.content)  # noqa: S314 (our own fake's output)
    assert root.tag == "MediaContainer"
    return root


def validate(path: str, body: dict[str, Any]) -> None:
    assert_valid(response_validator(plex_spec(), path, "get", "200"), {"MediaContainer": body})


async def get_json(client: httpx.AsyncClient, url: str, **params: Any) -> dict[str, Any]:
    return container(await client.get(url, params=params, headers=JSON))


def movie_section(state: PlexFakeState) -> int:
    return state.section_by_title("Movies").id


# -------------------------------------------------------------------- server identity and auth
async def test_root_and_identity_describe_the_demo_server(client: httpx.AsyncClient) -> None:
    root = xml(await client.get("/", headers=OWNER_HEADERS))  # plexapi connects here, XML
    assert root.get("machineIdentifier") == PLEX_MACHINE_ID
    assert root.get("friendlyName") == PLEX_SERVER_NAME
    assert root.get("version") == PLEX_VERSION
    assert root.get("myPlex") == "1"
    assert root.get("myPlexUsername")
    body = await get_json(client, "/")
    assert body["myPlex"] is True
    validate("/", body)

    identity = await client.get("/identity", headers={"Accept": "application/json"})  # no token
    ident = container(identity)
    assert ident == {
        "size": 0,
        "claimed": True,
        "machineIdentifier": PLEX_MACHINE_ID,
        "version": PLEX_VERSION,
    }
    validate("/identity", ident)


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-Plex-Token": "not-a-token"},
        {"X-Plex-Token": MALLORY.auth_token},  # a plex.tv account token is not a server token
    ],
)
async def test_requests_without_a_server_token_get_401(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    for path in ("/", "/library/sections", "/library/metadata/1", "/hubs/search?query=a"):
        response = await client.get(path, headers={**headers, "Accept": "application/json"})
        assert response.status_code == 401
        assert "401 Unauthorized" in response.text


async def test_tokens_by_header_query_added_and_revoked(
    client: httpx.AsyncClient, state: PlexFakeState
) -> None:
    assert ALICE.server_access_token
    shared = {"X-Plex-Token": ALICE.server_access_token}
    assert (await client.get("/library/sections", headers=shared)).status_code == 200
    by_query = await client.get("/library/sections", params={"X-Plex-Token": PLEX_OWNER_TOKEN})
    assert by_query.status_code == 200
    assert (await client.get("/", headers={"X-Plex-Token": "later"})).status_code == 401
    state.add_token("later")
    assert (await client.get("/", headers={"X-Plex-Token": "later"})).status_code == 200
    state.faults.revoked = True
    assert (await client.get("/", headers=OWNER_HEADERS)).status_code == 401
    assert (await client.get("/identity")).status_code == 200


# -------------------------------------------------------------------- sections and negotiation
async def test_sections_list_types_agents_and_locations(
    client: httpx.AsyncClient, state: PlexFakeState
) -> None:
    body = await get_json(client, "/library/sections")
    validate("/library/sections/all", body)
    by_title = {d["title"]: d for d in body["Directory"]}
    assert set(by_title) == {"Movies", "TV Shows", "YouTube"}
    assert by_title["Movies"]["type"] == "movie"
    assert by_title["TV Shows"]["type"] == "show"
    youtube = by_title["YouTube"]
    assert youtube["type"] == "movie"
    assert youtube["agent"] == "tv.plex.agents.none"
    assert youtube["scanner"] == "Plex Video Files Scanner"
    assert youtube["Location"][0]["path"] == str(state.media_root / "youtube")
    assert isinstance(youtube["key"], str)
    assert youtube["refreshing"] is False
    assert await get_json(client, "/library/sections/all") == body

    root = xml(await client.get("/library/sections", headers=OWNER_HEADERS))
    tags = {(d.tag, d.get("type"), d.get("refreshing")) for d in root}
    assert tags == {("Directory", "movie", "0"), ("Directory", "show", "0")}
    assert root.find("Directory/Location") is not None
    library = xml(await client.get("/library", headers=OWNER_HEADERS))
    assert "sections" in {d.get("key") for d in library}


async def test_items_use_video_and_directory_tags_in_xml_and_metadata_in_json(
    client: httpx.AsyncClient, state: PlexFakeState
) -> None:
    movies, tv = movie_section(state), state.section_by_title("TV Shows").id
    page = {"X-Plex-Container-Start": "0", "X-Plex-Container-Size": "5"}
    for sid, tag, kind in ((movies, "Video", "movie"), (tv, "Directory", "show")):
        root = xml(
            await client.get(f"/library/sections/{sid}/all", params=page, headers=OWNER_HEADERS)
        )
        assert root.get("librarySectionID") == str(sid)
        assert [(e.tag, e.get("type")) for e in root] == [(tag, kind)] * 5
        body = await get_json(client, f"/library/sections/{sid}/all", **page)
        validate("/library/sections/{sectionId}/all", body)
        first = body["Metadata"][0]
        assert isinstance(first["ratingKey"], str)
        assert isinstance(first["librarySectionID"], int)
        assert isinstance(first["addedAt"], int)
        assert isinstance(first["year"], int)
    colls = xml(await client.get(f"/library/sections/{movies}/all?type=18", headers=OWNER_HEADERS))
    assert {(e.tag, e.get("type"), e.get("subtype")) for e in colls} == {
        ("Directory", "collection", "movie")
    }


# -------------------------------------------------------------------- paging, sorting, filters
@pytest.mark.parametrize("via", ["headers", "query"])
async def test_paging_edges_and_total_size(
    client: httpx.AsyncClient, state: PlexFakeState, via: str
) -> None:
    url = f"/library/sections/{movie_section(state)}/all"

    async def page(start: int, size: int) -> httpx.Response:
        values = {"X-Plex-Container-Start": str(start), "X-Plex-Container-Size": str(size)}
        if via == "headers":
            return await client.get(url, headers={**JSON, **values})
        return await client.get(url, params=values, headers=JSON)

    seen: list[str] = []
    start = 0
    while True:  # plexapi's fetchItems loop: pages of 100 until start passes totalSize
        response = await page(start, 100)
        body = container(response)
        assert body["totalSize"] == 200
        assert body["offset"] == start
        assert response.headers["X-Plex-Container-Start"] == str(start)
        assert response.headers["X-Plex-Container-Total-Size"] == "200"
        seen += [m["ratingKey"] for m in body.get("Metadata", [])]
        start += 100
        if start >= body["totalSize"]:
            break
    assert len(seen) == len(set(seen)) == 200

    tail = container(await page(195, 10))
    assert (tail["size"], len(tail["Metadata"])) == (5, 5)
    beyond = container(await page(500, 10))
    assert beyond["size"] == 0
    assert beyond["totalSize"] == 200
    assert "Metadata" not in beyond  # PMS omits empty arrays
    count_only = container(await page(0, 0))
    assert (count_only["size"], count_only["totalSize"]) == (0, 200)
    assert "Metadata" not in count_only


async def test_unpaged_requests_get_everything_and_bad_paging_is_400(
    client: httpx.AsyncClient, state: PlexFakeState
) -> None:
    url = f"/library/sections/{movie_section(state)}/all"
    response = await client.get(url, headers=JSON)
    body = container(response)
    assert body["size"] == len(body["Metadata"]) == 200
    assert "totalSize" not in body
    bad = await client.get(url, params={"X-Plex-Container-Size": "ten"}, headers=JSON)
    assert bad.status_code == 400


@pytest.mark.parametrize(
    ("sort", "field"),
    [
        ("titleSort", "titleSort"),
        ("titleSort:desc", "titleSort"),
        ("title", "title"),
        ("year:desc", "year"),
        ("addedAt:desc", "addedAt"),
        ("addedAt:asc", "addedAt"),
        ("rating:desc", "rating"),
        ("originallyAvailableAt", "originallyAvailableAt"),
    ],
)
async def test_sort_orders(
    client: httpx.AsyncClient, state: PlexFakeState, sort: str, field: str
) -> None:
    body = await get_json(client, f"/library/sections/{movie_section(state)}/all", sort=sort)

    def value(item: dict[str, Any]) -> Any:
        if field == "titleSort":
            return item.get("titleSort", item["title"]).casefold()
        return item[field].casefold() if field == "title" else item[field]

    values = [value(m) for m in body["Metadata"]]
    assert values == sorted(values, reverse=sort.endswith(":desc"))
    assert len(set(values)) > 10


async def test_unknown_sort_is_400(client: httpx.AsyncClient, state: PlexFakeState) -> None:
    url = f"/library/sections/{movie_section(state)}/all?sort=vibes:desc"
    assert (await client.get(url, headers=JSON)).status_code == 400


async def test_genre_year_title_and_added_filters(
    client: httpx.AsyncClient, state: PlexFakeState
) -> None:
    sid = movie_section(state)
    url = f"/library/sections/{sid}/all"
    genres = await get_json(client, f"/library/sections/{sid}/genre")
    drama = next(d for d in genres["Directory"] if d["title"] == "Drama")
    by_id = await get_json(client, url, genre=drama["key"])
    by_tag = await get_json(client, url, genre="drama")
    assert by_id == by_tag
    assert 0 < by_id["size"] < 200
    assert all("Drama" in {g["tag"] for g in m["Genre"]} for m in by_id["Metadata"])

    year = by_id["Metadata"][0]["year"]
    same_year = await get_json(client, url, year=str(year))
    assert {m["year"] for m in same_year["Metadata"]} == {year}
    titled = await get_json(client, url, title="café")
    assert [m["title"] for m in titled["Metadata"]] == ['Amélie & the "Café" Crowd']
    recent = await client.get(
        f"{url}?type=1&sort=addedAt%3Adesc&addedAt>>=1790000000", headers=JSON
    )
    assert all(m["addedAt"] > 1_790_000_000 for m in container(recent).get("Metadata", []))


async def test_plexapi_style_queries_meta_prefixed_sorts_encoded_operators_and_limit(
    client: httpx.AsyncClient, state: PlexFakeState
) -> None:
    sid = movie_section(state)
    url = f"/library/sections/{sid}/all"
    meta_query = "?includeMeta=1&includeAdvanced=1&X-Plex-Container-Start=0&X-Plex-Container-Size=0"
    root = xml(await client.get(url + meta_query, headers=OWNER_HEADERS))  # plexapi's first call
    movie_type = root.find("Meta/Type[@type='movie']")
    assert movie_type is not None
    sorts = {s.get("key") for s in movie_type.iterfind("Sort")}
    assert {"titleSort", "year", "addedAt", "rating", "originallyAvailableAt"} <= sorts
    assert {f.get("filter") for f in movie_type.iterfind("Filter")} >= {"genre", "collection"}
    assert root.find("Meta/FieldType[@type='integer']/Operator[@key='>>=']") is not None
    collections_meta = xml(
        await client.get(f"/library/sections/{sid}/collections{meta_query}", headers=OWNER_HEADERS)
    )
    assert collections_meta.find("Meta/Type[@type='collection']") is not None

    by_year = container(await client.get(f"{url}?sort=movie.year%3Adesc&limit=5", headers=JSON))
    years = [m["year"] for m in by_year["Metadata"]]
    assert (len(years), years) == (5, sorted(years, reverse=True))
    exact = container(
        await client.get(f"{url}?title%3D=Tom%20%26%20Jerry%27s%20Big%20Night", headers=JSON)
    )
    assert [m["title"] for m in exact["Metadata"]] == ["Tom & Jerry's Big Night"]
    not_exact = container(
        await client.get(f"{url}?title!%3D=Tom%20%26%20Jerry%27s%20Big%20Night", headers=JSON)
    )
    assert not_exact["size"] == 199
    state.add_movie(sid, "Fresh Arrival", year=2026)  # added now, the seeded ones months ago
    fresh = container(await client.get(f"{url}?addedAt%3E%3E=-1d", headers=JSON))
    assert [m["title"] for m in fresh["Metadata"]] == ["Fresh Arrival"]
    recent = await get_json(client, "/library/recentlyAdded", **{"X-Plex-Container-Size": "3"})
    assert recent["Metadata"][0]["title"] == "Fresh Arrival"
    assert recent["totalSize"] == sum(
        1 for i in state.items.values() if i.type in ("movie", "episode")
    )


# -------------------------------------------------------------------- metadata and hierarchy
async def test_metadata_detail_lists_media_file_genres_guids_and_people(
    client: httpx.AsyncClient, state: PlexFakeState
) -> None:
    listing = await get_json(client, f"/library/sections/{movie_section(state)}/all")
    first, second = listing["Metadata"][0], listing["Metadata"][1]
    assert "Guid" not in first  # lists carry Guid only with includeGuids=1
    with_guids = await get_json(
        client, f"/library/sections/{movie_section(state)}/all", includeGuids="1"
    )
    assert with_guids["Metadata"][0]["Guid"]

    body = await get_json(client, f"/library/metadata/{first['ratingKey']}")
    validate("/library/metadata/{ids}", body)
    item = body["Metadata"][0]
    assert item["key"] == f"/library/metadata/{first['ratingKey']}"
    part = item["Media"][0]["Part"][0]
    assert part["file"].startswith(str(state.media_root / "movies"))
    assert item["Genre"] and item["Director"] and item["Role"]
    assert {g["id"].split("://")[0] for g in item["Guid"]} >= {"imdb", "tmdb"}

    pair = await get_json(client, f"/library/metadata/{second['ratingKey']},{first['ratingKey']}")
    assert [m["ratingKey"] for m in pair["Metadata"]] == [second["ratingKey"], first["ratingKey"]]
    assert (await client.get("/library/metadata/999999", headers=JSON)).status_code == 404


async def test_show_season_episode_children_and_leaves(
    client: httpx.AsyncClient, state: PlexFakeState
) -> None:
    tv = state.section_by_title("TV Shows").id
    show = state.add_show(tv, "Tiny & Tidy", seasons=(2, 3), year=2020, genres=["Comedy"])
    url = f"/library/metadata/{show.rk}/children"
    with_all = await get_json(client, url)
    assert with_all["Metadata"][0]["title"] == "All episodes"  # PMS's pseudo-season
    assert "ratingKey" not in with_all["Metadata"][0]
    seasons = (await get_json(client, url, excludeAllLeaves="1"))["Metadata"]
    assert [(s["index"], s["leafCount"]) for s in seasons] == [(1, 2), (2, 3)]
    assert {s["type"] for s in seasons} == {"season"}
    assert all(s["parentRatingKey"] == str(show.rk) for s in seasons)
    assert all(s["key"].endswith("/children") for s in seasons)

    root = xml(await client.get(seasons[1]["key"], headers=OWNER_HEADERS))
    episodes = list(root)
    assert {(e.tag, e.get("type")) for e in episodes} == {("Video", "episode")}
    assert [e.get("index") for e in episodes] == ["1", "2", "3"]
    assert {e.get("grandparentTitle") for e in episodes} == {show.title}
    assert {e.get("parentIndex") for e in episodes} == {"2"}

    leaves = await get_json(client, f"/library/metadata/{show.rk}/allLeaves")
    show_meta = (await get_json(client, f"/library/metadata/{show.rk}"))["Metadata"][0]
    assert leaves["size"] == show_meta["leafCount"] == 5
    assert show_meta["childCount"] == 2
    seeded = next(i for i in state.items.values() if i.type == "show" and i.rk != show.rk)
    seeded_leaves = await get_json(client, f"/library/metadata/{seeded.rk}/allLeaves")
    assert {m["grandparentTitle"] for m in seeded_leaves["Metadata"]} == {seeded.title}
    episode = await get_json(client, f"/library/metadata/{episodes[0].get('ratingKey')}")
    validate("/library/metadata/{ids}", episode)
    assert episode["Metadata"][0]["grandparentRatingKey"] == str(show.rk)


# -------------------------------------------------------------------- search
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ('"café"', 'Amélie & the "Café" Crowd'),  # quotes are matched literally
        ("\"no such' title", None),
        ("Café", 'Amélie & the "Café" Crowd'),
        ("<b>HTML</b>", "<b>HTML</b> in the Title"),
        ("🎬", "🎬 Emoji Movie Night 🍿"),
        ("tom & jerry's", "Tom & Jerry's Big Night"),
        ("</script>", "</script><script>alert('x')</script>"),
    ],
)
async def test_hub_search_handles_odd_queries(
    client: httpx.AsyncClient, query: str, expected: str | None
) -> None:
    body = await get_json(client, "/hubs/search", query=query, limit="5")
    validate("/hubs/search", body)
    hubs = {h["type"]: h for h in body["Hub"]}
    assert {"movie", "show", "episode", "collection"} <= set(hubs)
    titles = [m["title"] for m in hubs["movie"].get("Metadata", [])]
    assert titles == ([expected] if expected else [])
    root = xml(await client.get("/hubs/search", params={"query": query}, headers=OWNER_HEADERS))
    assert {h.tag for h in root} == {"Hub"}
    assert [v.get("title") for v in root.iterfind("Hub[@type='movie']/Video")] == titles


async def test_hub_search_limits_per_hub_and_filters_by_section(
    client: httpx.AsyncClient, state: PlexFakeState
) -> None:
    body = await get_json(client, "/hubs/search", query="the")
    hubs = {h["type"]: h for h in body["Hub"]}
    assert hubs["movie"]["size"] == 3  # default limit
    assert hubs["movie"]["more"] is True
    tv = state.section_by_title("TV Shows").id
    scoped = await get_json(client, "/hubs/search", query="the", sectionId=str(tv), limit="50")
    scoped_hubs = {h["type"]: h for h in scoped["Hub"]}
    assert scoped_hubs["movie"]["size"] == 0
    assert scoped_hubs["episode"]["size"] > 0
    assert (await client.get("/hubs/search?query=", headers=JSON)).status_code == 400
    legacy = await get_json(client, "/search", query="café")
    assert [(m["type"], m["title"]) for m in legacy["Metadata"]] == [
        ("movie", 'Amélie & the "Café" Crowd'),
        ("show", "Café Society 🍵"),
    ]


# -------------------------------------------------------------------- collections
async def test_collection_create_add_remove_delete(
    client: httpx.AsyncClient, state: PlexFakeState
) -> None:
    sid = movie_section(state)
    movies = (await get_json(client, f"/library/sections/{sid}/all"))["Metadata"][:3]
    a, b, c = (m["ratingKey"] for m in movies)
    params = {
        "type": "1",
        "title": "Weekend <Picks> & Co",
        "smart": "0",
        "sectionId": str(sid),
        "uri": f"{LIB}/library/metadata/{a},{b}",
    }
    query = "&".join(f"{k}={quote(v, safe='')}" for k, v in sorted(params.items()))  # as plexapi
    created = await client.post(f"/library/collections?{query}", headers=OWNER_HEADERS)
    element = xml(created)[0]
    assert (element.tag, element.get("type"), element.get("subtype")) == (
        "Directory",
        "collection",
        "movie",
    )
    assert element.get("title") == "Weekend <Picks> & Co"
    assert element.get("childCount") == "2"
    assert element.get("smart") == "0"
    rk = element.get("ratingKey")
    assert element.get("key") == f"/library/collections/{rk}/children"

    tagged = (await get_json(client, f"/library/metadata/{a}"))["Metadata"][0]
    assert {"id": int(rk or 0), "filter": f"collection={rk}", "tag": "Weekend <Picks> & Co"} in (
        tagged["Collection"]
    )
    items = await get_json(client, f"/library/collections/{rk}/children")
    assert [m["ratingKey"] for m in items["Metadata"]] == [a, b]

    added = await client.put(
        f"/library/collections/{rk}/items",
        params={"uri": f"{LIB}/library/metadata/{c},{a}"},
        headers=JSON,
    )
    assert container(added)["Metadata"][0]["childCount"] == 3  # a was already in it
    removed = await client.delete(f"/library/collections/{rk}/items/{a}", headers=JSON)
    assert container(removed)["Metadata"][0]["childCount"] == 2
    untagged = (await get_json(client, f"/library/metadata/{a}"))["Metadata"][0]
    assert "Collection" not in untagged or all(
        t["id"] != int(rk or 0) for t in untagged["Collection"]
    )
    listed = await get_json(client, f"/library/sections/{sid}/collections")
    assert rk in {m["ratingKey"] for m in listed["Metadata"]}
    meta = await get_json(client, f"/library/metadata/{rk}")
    assert meta["Metadata"][0]["type"] == "collection"

    assert (await client.delete(f"/library/collections/{rk}", headers=JSON)).status_code == 200
    assert (await client.get(f"/library/collections/{rk}", headers=JSON)).status_code == 404
    gone = (await get_json(client, f"/library/metadata/{b}"))["Metadata"][0]
    assert all(t["id"] != int(rk or 0) for t in gone.get("Collection", []))


async def test_smart_collection_evaluates_its_section_query(
    client: httpx.AsyncClient, state: PlexFakeState
) -> None:
    sid = movie_section(state)
    horror = state.genre_id("Horror")
    params = {
        "type": "1",
        "title": "All Horror",
        "smart": "1",
        "sectionId": str(sid),
        "uri": f"{LIB}/library/sections/{sid}/all?type=1&genre={horror}",
    }
    created = container(await client.post("/library/collections", params=params, headers=JSON))
    coll = created["Metadata"][0]
    expected = await get_json(client, f"/library/sections/{sid}/all", genre=str(horror))
    assert coll["smart"] is True
    assert coll["childCount"] == expected["size"] > 0
    children = await get_json(client, coll["key"])
    assert [m["ratingKey"] for m in children["Metadata"]] == [
        m["ratingKey"] for m in expected["Metadata"]
    ]
    add = await client.put(
        f"/library/collections/{coll['ratingKey']}/items",
        params={"uri": f"{LIB}/library/metadata/1"},
        headers=JSON,
    )
    assert add.status_code == 400  # smart collections are defined by their query


@pytest.mark.parametrize(
    "override",
    [
        {"sectionId": "99"},
        {"title": ""},
        {"uri": "server://0000aaaa/com.plexapp.plugins.library/library/metadata/1"},
        {"uri": f"{LIB}/library/metadata/one,two"},
        {"uri": "library/metadata/1"},
        {"type": "18"},
    ],
)
async def test_collection_create_rejects_bad_requests(
    client: httpx.AsyncClient, state: PlexFakeState, override: dict[str, str]
) -> None:
    params = {
        "type": "1",
        "title": "Bad",
        "smart": "0",
        "sectionId": str(movie_section(state)),
        "uri": f"{LIB}/library/metadata/1",
        **override,
    }
    response = await client.post("/library/collections", params=params, headers=JSON)
    assert response.status_code == 400


async def test_collection_writes_need_the_owner_and_an_existing_collection(
    client: httpx.AsyncClient, state: PlexFakeState
) -> None:
    assert ALICE.server_access_token
    params = {"type": "1", "title": "Mine", "sectionId": str(movie_section(state))}
    shared = {"X-Plex-Token": ALICE.server_access_token}
    assert (
        await client.post("/library/collections", params=params, headers=shared)
    ).status_code == 401
    uri = {"uri": f"{LIB}/library/metadata/1"}
    missing = await client.put("/library/collections/999999/items", params=uri, headers=JSON)
    assert missing.status_code == 404
    not_a_collection = await client.delete("/library/collections/1", headers=JSON)
    assert not_a_collection.status_code == 404


async def test_metadata_edit_sets_locked_title_and_sort_title(
    client: httpx.AsyncClient, state: PlexFakeState
) -> None:
    sid = movie_section(state)
    movie = (await get_json(client, f"/library/sections/{sid}/all"))["Metadata"][0]
    rk = movie["ratingKey"]
    edit = {
        "type": "1",
        "id": rk,
        "title.value": "Réal Title & <Co>",
        "title.locked": "1",
        "titleSort.value": "0001 Real",
        "titleSort.locked": "1",
    }
    query = "&".join(f"{k}={quote(v, safe='')}" for k, v in edit.items())  # as plexapi
    edited = await client.put(f"/library/metadata/{rk}?{query}", headers=JSON)
    assert edited.status_code == 200 and edited.content == b""
    after = (await get_json(client, f"/library/metadata/{rk}"))["Metadata"][0]
    assert (after["title"], after["titleSort"]) == ("Réal Title & <Co>", "0001 Real")
    assert {"locked": True, "name": "title"} in after["Field"]
    assert after["updatedAt"] > movie["updatedAt"]
    validate("/library/metadata/{ids}", {"size": 1, "Metadata": [after]})
    sorted_first = await get_json(client, f"/library/sections/{sid}/all", sort="titleSort")
    assert sorted_first["Metadata"][0]["ratingKey"] == rk

    assert (await client.put(f"/library/metadata/{rk}", params=edit)).status_code == 401
    assert ALICE.server_access_token
    shared = {"X-Plex-Token": ALICE.server_access_token}
    assert (
        await client.put(f"/library/metadata/{rk}", params=edit, headers=shared)
    ).status_code == 401
    missing = await client.put("/library/metadata/999999", params=edit, headers=JSON)
    assert missing.status_code == 404
    for bad in ({"type": "4"}, {"id": "1" + rk}, {"title.value": " "}):
        refused = await client.put(f"/library/metadata/{rk}", params={**edit, **bad}, headers=JSON)
        assert refused.status_code == 400


# -------------------------------------------------------------------- scanning
async def poll(check: Any, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not await check():
        assert time.monotonic() < deadline, "condition not reached in time"
        await asyncio.sleep(0.02)


async def test_refresh_scans_the_folder_in_the_background(
    client: httpx.AsyncClient, state: PlexFakeState
) -> None:
    youtube = state.section_by_title("YouTube")
    folder = state.media_root / "youtube" / "Lo-fi Playlist"
    folder.mkdir(parents=True)
    clip = folder / "Rainy Night Beats [abc123XYZ].mp4"
    talk = folder / "Keynote (2021) [k3yn0te].webm"
    clip.write_bytes(b"\x00" * 1000)
    talk.write_bytes(b"\x00" * 10)
    (folder / "Still Downloading [zzz].mp4.part").write_bytes(b"\x00")
    (folder / "Merged Later [yyy].f137.mp4").write_bytes(b"\x00")
    Image.new("RGB", (32, 18), "red").save(clip.with_suffix(".jpg"))
    url = f"/library/sections/{youtube.id}/all"

    state.scan_delay = 0.3
    refresh = await client.get(
        f"/library/sections/{youtube.id}/refresh", params={"path": str(folder)}, headers=JSON
    )
    assert refresh.status_code == 200
    assert "Metadata" not in await get_json(client, url)  # answered before the scan ran
    sections = await get_json(client, "/library/sections")
    assert next(d for d in sections["Directory"] if d["title"] == "YouTube")["refreshing"] is True

    async def has_two() -> bool:
        return (await get_json(client, url))["size"] == 2

    await poll(has_two)
    items = {m["title"]: m for m in (await get_json(client, url))["Metadata"]}
    assert set(items) == {"Rainy Night Beats", "Keynote"}
    assert items["Keynote"]["year"] == 2021
    assert {(m["type"], m["Media"][0]["Part"][0]["file"]) for m in items.values()} == {
        ("movie", str(clip)),
        ("movie", str(talk)),
    }
    assert items["Rainy Night Beats"]["Media"][0]["Part"][0]["size"] == 1000
    sidecar = await client.get(items["Rainy Night Beats"]["thumb"], headers=OWNER_HEADERS)
    assert sidecar.content == clip.with_suffix(".jpg").read_bytes()

    async def idle() -> bool:
        body = await get_json(client, "/library/sections")
        return not any(d["refreshing"] for d in body["Directory"])

    await poll(idle)
    state.scan_delay = 0.01
    talk.unlink()
    await client.post(f"/library/sections/{youtube.id}/refresh", headers=JSON)  # whole Location

    async def has_one() -> bool:
        return (await get_json(client, url))["size"] == 1

    await poll(has_one)
    await poll(idle)
    await client.get("/library/sections/all/refresh", headers=JSON)  # idempotent: no duplicates
    await poll(idle)
    assert [m["title"] for m in (await get_json(client, url))["Metadata"]] == ["Rainy Night Beats"]


async def test_refresh_outside_location_is_ignored_and_hung_scans_stay_refreshing(
    client: httpx.AsyncClient, state: PlexFakeState, tmp_path: Path
) -> None:
    youtube = state.section_by_title("YouTube")
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "Sneaky [x].mp4").write_bytes(b"\x00")
    (state.media_root / "youtube").mkdir(parents=True)
    (state.media_root / "youtube" / "Legit [y].mkv").write_bytes(b"\x00")
    url = f"/library/sections/{youtube.id}/all"

    response = await client.get(
        f"/library/sections/{youtube.id}/refresh", params={"path": str(outside)}, headers=JSON
    )
    assert response.status_code == 200

    async def settled() -> bool:
        return state.sections[youtube.id].refreshing is False

    await poll(settled)
    assert (await get_json(client, url))["size"] == 0

    state.scan_never_finishes = True
    await client.get(f"/library/sections/{youtube.id}/refresh", headers=JSON)
    await asyncio.sleep(0.3)
    sections = await get_json(client, "/library/sections")
    assert next(d for d in sections["Directory"] if d["key"] == str(youtube.id))["refreshing"]
    assert (await get_json(client, url))["size"] == 0
    state.scan_never_finishes = False

    async def done() -> bool:
        return (await get_json(client, url))["size"] == 1

    await poll(done)


# -------------------------------------------------------------------- images
def image(response: httpx.Response) -> Image.Image:
    assert response.status_code == 200
    picture = Image.open(io.BytesIO(response.content))
    picture.load()
    return picture


async def test_artwork_and_photo_transcoder_return_real_images(
    client: httpx.AsyncClient, state: PlexFakeState
) -> None:
    movie = (await get_json(client, f"/library/sections/{movie_section(state)}/all"))["Metadata"][0]
    token = {"X-Plex-Token": PLEX_OWNER_TOKEN}
    poster = await client.get(movie["thumb"], params=token)
    assert poster.headers["content-type"] == "image/jpeg"
    assert image(poster).size == (400, 600)
    assert (await client.get(movie["thumb"], params=token)).content == poster.content
    assert image(await client.get(movie["art"], params=token)).size[0] > 600  # landscape

    async def transcode(**extra: str) -> httpx.Response:
        params = {"url": movie["thumb"], **token, **extra}  # token as a query param, like plexapi
        return await client.get("/photo/:/transcode", params=params)

    resized = await transcode(width="200", height="300", minSize="1", upscale="1")
    assert resized.headers["content-type"] == "image/jpeg"
    assert image(resized).size == (200, 300)
    png = await transcode(width="100", height="150", format="png")
    assert png.headers["content-type"] == "image/png"
    assert (image(png).format, image(png).size) == ("PNG", (100, 150))
    assert image(await transcode(width="300", height="300")).size == (200, 300)  # fit
    assert image(await transcode(width="300", height="300", minSize="1")).size == (300, 450)
    assert image(await transcode(width="800", height="1200", upscale="0")).size == (400, 600)
    full_url = await transcode(
        url=f"{BASE}{movie['thumb']}?X-Plex-Token={PLEX_OWNER_TOKEN}", width="40"
    )
    assert image(full_url).size == (40, 60)
    sections = await get_json(client, "/library/sections")
    assert image(await client.get(sections["Directory"][0]["composite"], params=token))

    collection = await get_json(client, f"/library/sections/{movie_section(state)}/collections")
    assert image(await client.get(collection["Metadata"][0]["thumb"], params=token))
    assert (await client.get(movie["thumb"])).status_code == 401
    assert (
        await client.get("/photo/:/transcode", params={"url": movie["thumb"]})
    ).status_code == 401
    missing = await client.get("/photo/:/transcode", params={"url": "/nope.jpg", **token})
    assert missing.status_code == 404


# -------------------------------------------------------------------- scale and real port
async def test_generated_library_serves_a_deep_page_of_100k() -> None:
    world = PlexFakeState.generated(n_items=100_000, seed=1)
    transport = httpx.ASGITransport(app=create_app(world))
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as http:
        sid = movie_section(world)
        page = {"X-Plex-Container-Start": "99950", "X-Plex-Container-Size": "50"}
        response = await http.get(
            f"/library/sections/{sid}/all", params={"sort": "addedAt:desc", **page}, headers=JSON
        )
        body = container(response)
        assert body["totalSize"] == 100_000
        assert body["size"] == len(body["Metadata"]) == 50
        added = [m["addedAt"] for m in body["Metadata"]]
        assert added == sorted(added, reverse=True)
        count = container(
            await http.get(f"/library/sections/{sid}/all?X-Plex-Container-Size=0", headers=JSON)
        )
        assert (count["size"], count["totalSize"]) == (0, 100_000)


def test_real_port_serves_xml_scans_and_refuses_when_stopped(tmp_path: Path) -> None:
    world = PlexFakeState.demo(seed=1, media_root=tmp_path)
    world.scan_delay = 0.05
    (tmp_path / "youtube").mkdir()
    (tmp_path / "youtube" / "Over The Wire [w1r3].mkv").write_bytes(b"\x00" * 3)
    server = FakeServer(create_app(world)).start()
    try:
        with httpx.Client(base_url=server.url, headers=OWNER_HEADERS, timeout=5) as http:
            root = xml(http.get("/"))
            assert root.get("machineIdentifier") == PLEX_MACHINE_ID
            sid = world.section_by_title("YouTube").id
            assert http.post(f"/library/sections/{sid}/refresh").status_code == 200
            deadline = time.monotonic() + 5
            while len(xml(http.get(f"/library/sections/{sid}/all"))) < 1:
                assert time.monotonic() < deadline
                time.sleep(0.02)
            video = xml(http.get(f"/library/sections/{sid}/all"))[0]
            assert (video.tag, video.get("title")) == ("Video", "Over The Wire")
    finally:
        server.stop()
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{server.url}/identity", timeout=2)
