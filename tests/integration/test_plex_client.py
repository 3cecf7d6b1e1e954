"""The Plex Media Server client against the fake PMS (in-process, and once over a real port)."""

from __future__ import annotations

import asyncio
import io
import json
import time
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from medianest.demo import identities
from medianest.demo.identities import ALICE, PLEX_OWNER_TOKEN
from medianest.integrations.base import (
    BadResponse,
    CredentialsRejected,
    HttpPolicy,
    IntegrationError,
    NotFound,
    Refused,
    Unavailable,
)
from medianest.integrations.fakekit import FakeServer
from medianest.integrations.plex.client import MAX_PAGE_SIZE, PlexServerClient
from medianest.integrations.plex.fake import PlexFakeState, create_app
from medianest.integrations.plex.models import ItemType, MediaItem
from tests.support.wire import FAST, Clock, Recorder

MID = identities.PLEX_MACHINE_ID
MOVIES, TV, YOUTUBE = 1, 2, 3


@pytest.fixture
def state(tmp_path: Path) -> PlexFakeState:
    state = PlexFakeState.demo(seed=1, media_root=tmp_path)
    state.scan_delay = 0.02
    return state


@pytest.fixture
def recorder(state: PlexFakeState) -> Recorder:
    return Recorder(httpx.ASGITransport(app=create_app(state)))


def make(
    transport: httpx.AsyncBaseTransport, token: str = PLEX_OWNER_TOKEN, **kw: Any
) -> PlexServerClient:
    kw.setdefault("policy", FAST)
    return PlexServerClient("http://plex.local:32400", token, transport=transport, **kw)


@pytest.fixture
async def plex(recorder: Recorder) -> AsyncIterator[PlexServerClient]:
    async with make(recorder, client_identifier="nest-42", product="MediaNest Test") as client:
        yield client


def mock(body: Any, status: int = 200, content_type: str = "application/json") -> PlexServerClient:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()

    def handler(_: httpx.Request) -> httpx.Response:
        return httpx.Response(status, content=raw, headers={"content-type": content_type})

    return make(httpx.MockTransport(handler))


def titles(items: list[MediaItem]) -> list[str]:
    return [i.title for i in items]


# -------------------------------------------------------------------- server and sections
async def test_identity_needs_no_token_and_server_info_describes_the_server(
    plex: PlexServerClient, recorder: Recorder
) -> None:
    ident = await plex.identity()
    assert (ident.machine_identifier, ident.version) == (MID, identities.PLEX_VERSION)
    info = await plex.server_info()
    assert info.machine_identifier == MID and info.friendly_name == identities.PLEX_SERVER_NAME
    assert info.my_plex_username == identities.OWNER.email and info.version == ident.version
    assert [r.headers.get("X-Plex-Token") for r in recorder.requests] == [None, PLEX_OWNER_TOKEN]


async def test_every_call_carries_product_headers_and_no_token_in_urls(
    plex: PlexServerClient, recorder: Recorder, state: PlexFakeState
) -> None:
    movie = (await plex.section_items(MOVIES, size=1)).items[0]
    await plex.item(movie.rating_key)
    await plex.search("river")
    assert movie.thumb is not None
    await plex.image(movie.thumb, width=50, height=75)
    await plex.refresh_section(YOUTUBE, str(state.media_root / "youtube"))
    for request in recorder.requests:
        assert request.headers["X-Plex-Client-Identifier"] == "nest-42"
        assert request.headers["X-Plex-Product"] == "MediaNest Test"
        assert request.headers["X-Plex-Token"] == PLEX_OWNER_TOKEN
        assert PLEX_OWNER_TOKEN not in str(request.url)
    assert {r.headers["Accept"] for r in recorder.requests} == {"application/json", "image/*"}


async def test_sections_and_their_sizes(
    plex: PlexServerClient, recorder: Recorder, state: PlexFakeState, tmp_path: Path
) -> None:
    sections = await plex.sections()
    assert [(s.id, s.title, s.type) for s in sections] == [
        (MOVIES, "Movies", ItemType.MOVIE),
        (TV, "TV Shows", ItemType.SHOW),
        (YOUTUBE, "YouTube", ItemType.MOVIE),
    ]
    assert sections[2].locations == [str(tmp_path / "youtube")]
    assert sections[2].agent == "tv.plex.agents.none" and not sections[2].refreshing
    assert await plex.section_size(MOVIES, 1) == 200
    episodes = sum(1 for i in state.items.values() if i.type == "episode")
    assert await plex.section_size(TV, ItemType.EPISODE) == episodes
    assert recorder.requests[-1].headers["X-Plex-Container-Size"] == "0"


# -------------------------------------------------------------------- listings and paging
async def test_pages_are_cut_by_the_server(plex: PlexServerClient, recorder: Recorder) -> None:
    whole = await plex.section_items(MOVIES, type=1, start=0, size=100)
    first = await plex.section_items(MOVIES, type=1, start=0, size=40)
    second = await plex.section_items(MOVIES, type=1, start=40, size=60)
    assert titles(first.items) + titles(second.items) == titles(whole.items)
    assert (second.total, second.start, len(second.items), second.has_more) == (200, 40, 60, True)
    sent = recorder.requests[-1]
    assert sent.headers["X-Plex-Container-Start"] == "40"
    assert sent.headers["X-Plex-Container-Size"] == "60"


async def test_paging_edges(plex: PlexServerClient, recorder: Recorder) -> None:
    past = await plex.section_items(MOVIES, start=500, size=50)
    assert (past.items, past.total, past.start, past.has_more) == ([], 200, 500, False)
    last = await plex.section_items(MOVIES, start=195, size=50)
    assert len(last.items) == 5 and not last.has_more
    huge = await plex.section_items(MOVIES, start=0, size=10_000)
    assert recorder.requests[-1].headers["X-Plex-Container-Size"] == str(MAX_PAGE_SIZE)
    assert len(huge.items) == MAX_PAGE_SIZE
    tiny = await plex.section_items(MOVIES, start=-5, size=0)
    assert (len(tiny.items), tiny.start) == (1, 0)
    assert recorder.requests[-1].headers["X-Plex-Container-Size"] == "1"


async def test_sort_genre_and_year_filters(plex: PlexServerClient) -> None:
    newest = (await plex.section_items(MOVIES, sort="year:desc", size=200)).items
    years = [i.year or 0 for i in newest]
    assert years == sorted(years, reverse=True)
    by_title = (await plex.section_items(MOVIES, sort="titleSort", size=200)).items
    keys = [(i.title_sort or i.title).casefold() for i in by_title]
    assert keys == sorted(keys)

    genres = {g.title: g for g in await plex.genres(MOVIES)}
    scifi = genres["Science Fiction"]
    assert scifi.id is not None
    page = await plex.section_items(MOVIES, genre=scifi.id, size=200)
    assert page.total == len(page.items) > 0
    assert all("Science Fiction" in [g.title for g in i.genres] for i in page.items)

    year = newest[0].year
    assert year is not None
    same_year = await plex.section_items(MOVIES, year=year, size=200)
    assert same_year.total >= 1 and {i.year for i in same_year.items} == {year}
    with pytest.raises(Refused, match="400"):
        await plex.section_items(MOVIES, sort="nonsense:sideways")
    with pytest.raises(NotFound):
        await plex.section_items(99)


async def test_item_details(plex: PlexServerClient, state: PlexFakeState, tmp_path: Path) -> None:
    collection = next(c for c in await plex.collections(MOVIES) if c.title == "Sci-Fi Essentials")
    member = (await plex.collection_items(collection.rating_key, 0, 1)).items[0]
    item = await plex.item(member.rating_key)
    assert item is not None
    raw = state.items[int(item.rating_key)]
    assert (item.type, item.title, item.year, item.section_id) == (
        ItemType.MOVIE,
        raw.title,
        raw.year,
        MOVIES,
    )
    assert item.summary and item.rating == raw.rating and item.duration_ms == raw.duration
    assert item.added_at == datetime.fromtimestamp(raw.added_at, UTC)
    assert "Science Fiction" in [g.title for g in item.genres]
    assert "Sci-Fi Essentials" in [c.title for c in item.collections]
    assert item.thumb and item.thumb.startswith(f"/library/metadata/{item.rating_key}/thumb")
    assert item.files and Path(item.files[0]).is_relative_to(tmp_path / "movies")
    for missing in ("999999", "abc", "1,2", "../1"):
        assert await plex.item(missing) is None


async def test_show_seasons_and_episodes(plex: PlexServerClient) -> None:
    show = (await plex.section_items(TV, type=2, sort="titleSort", size=1)).items[0]
    assert show.type is ItemType.SHOW and show.child_count and show.leaf_count
    seasons = await plex.children(show.rating_key)
    assert len(seasons) == show.child_count  # no "All episodes" pseudo-entry
    assert [s.index for s in seasons] == list(range(1, len(seasons) + 1))
    assert all(s.type is ItemType.SEASON and s.parent_title == show.title for s in seasons)
    episodes = await plex.children(seasons[0].rating_key)
    assert len(episodes) == seasons[0].leaf_count
    first = episodes[0]
    assert first.type is ItemType.EPISODE and first.index == 1
    assert (first.parent_title, first.parent_index) == ("Season 1", 1)
    assert (first.grandparent_title, first.grandparent_rating_key) == (show.title, show.rating_key)
    assert first.files and first.duration_ms
    with pytest.raises(NotFound):
        await plex.children("999999")


async def test_search_encodes_awkward_queries(plex: PlexServerClient, recorder: Recorder) -> None:
    awkward = '"quotes" & <b>html</b> 🎬'
    hubs = await plex.search(awkward, limit=5)
    sent = recorder.requests[-1]
    assert sent.url.params["query"] == awkward and sent.url.params["limit"] == "5"
    assert b"+" not in sent.url.raw_path and b"%20" in sent.url.raw_path
    assert {h.type for h in hubs} >= {ItemType.MOVIE, ItemType.SHOW}
    for query, expected in (
        ("<b>HTML</b>", "<b>HTML</b> in the Title"),
        ("🎬", "🎬 Emoji Movie Night 🍿"),
        ('Don\'t "Quote"', 'Don\'t "Quote" Me'),
        ("amélie & the", 'Amélie & the "Café" Crowd'),
    ):
        movies = next(h for h in await plex.search(query) if h.type is ItemType.MOVIE)
        assert titles(movies.items) == [expected], query
    cafe = await plex.search("café", section_id=TV)
    assert [(h.type, titles(h.items)) for h in cafe if h.items] == [
        (ItemType.SHOW, ["Café Society 🍵"])
    ]
    sent_before = len(recorder.requests)
    assert await plex.search("   ") == []
    assert len(recorder.requests) == sent_before


# -------------------------------------------------------------------- collections
async def test_collection_lifecycle(plex: PlexServerClient) -> None:
    mid = (await plex.identity()).machine_identifier
    keys = [i.rating_key for i in (await plex.section_items(MOVIES, size=3)).items]
    created = await plex.create_collection(
        MOVIES, 'Friday "Night" & <Co>', keys[:2], machine_identifier=mid
    )
    assert (created.title, created.child_count, created.smart) == (
        'Friday "Night" & <Co>',
        2,
        False,
    )
    assert created.rating_key in [c.rating_key for c in await plex.collections(MOVIES)]

    await plex.add_to_collection(created.rating_key, [keys[2]], machine_identifier=mid)
    page = await plex.collection_items(created.rating_key, 0, 2)
    assert (page.total, len(page.items), page.has_more) == (3, 2, True)

    await plex.remove_from_collection(created.rating_key, keys[0])
    members = (await plex.collection_items(created.rating_key, 0, 50)).items
    assert [i.rating_key for i in members] == keys[1:]
    removed = await plex.item(keys[0])
    assert removed is not None and created.title not in [c.title for c in removed.collections]

    await plex.delete_collection(created.rating_key)
    assert created.rating_key not in [c.rating_key for c in await plex.collections(MOVIES)]
    with pytest.raises(NotFound):
        await plex.delete_collection(created.rating_key)
    with pytest.raises(NotFound):
        await plex.collection_items(created.rating_key)


async def test_collection_refusals(plex: PlexServerClient) -> None:
    key = (await plex.section_items(MOVIES, size=1)).items[0].rating_key
    with pytest.raises(Refused, match="400 Bad Request"):
        await plex.create_collection(99, "Nowhere", [key], machine_identifier=MID)
    with pytest.raises(Refused):
        await plex.create_collection(MOVIES, "Foreign", [key], machine_identifier="0ther")
    with pytest.raises(ValueError, match="at least one"):
        await plex.create_collection(MOVIES, "Empty", [], machine_identifier=MID)
    with pytest.raises(ValueError, match="rating key"):
        await plex.create_collection(MOVIES, "Bad", ["1/../2"], machine_identifier=MID)
    with pytest.raises(ValueError, match="machine identifier"):
        await plex.create_collection(MOVIES, "Bad", [key], machine_identifier="a/b")
    with pytest.raises(NotFound):
        await plex.add_to_collection("999999", [key], machine_identifier=MID)
    some = (await plex.collections(MOVIES))[0]
    with pytest.raises(NotFound):
        await plex.remove_from_collection(some.rating_key, "999999")


async def test_edit_title_sets_and_locks_title_and_sort_title(
    plex: PlexServerClient, recorder: Recorder
) -> None:
    movie = (await plex.section_items(MOVIES, size=1)).items[0]
    await plex.edit_title(movie.rating_key, movie.type, "Rock & Roll: 100% [Live]", "0007 Rock")
    edited = await plex.item(movie.rating_key)
    assert edited is not None
    assert (edited.title, edited.title_sort) == ("Rock & Roll: 100% [Live]", "0007 Rock")
    sent = recorder.requests[-2]
    assert (sent.method, sent.url.path) == ("PUT", f"/library/metadata/{movie.rating_key}")
    assert sent.url.params["title.locked"] == sent.url.params["titleSort.locked"] == "1"
    assert sent.url.params["id"] == movie.rating_key and sent.url.params["type"] == "1"
    assert "Token" not in str(sent.url)
    with pytest.raises(NotFound):
        await plex.edit_title("999999", ItemType.MOVIE, "Gone", "Gone")
    with pytest.raises(ValueError, match="known item type"):
        await plex.edit_title(movie.rating_key, ItemType.UNKNOWN, "Odd", "Odd")
    with pytest.raises(ValueError, match="rating key"):
        await plex.edit_title("1/../2", ItemType.MOVIE, "Bad", "Bad")


# -------------------------------------------------------------------- scans
async def wait_for(plex: PlexServerClient, folder: Path, count: int) -> list[MediaItem]:
    """Polls like the download job does: bounded, because a scan may never finish."""
    found: list[MediaItem] = []
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        found = await plex.items_by_path(YOUTUBE, str(folder))
        if len(found) >= count:
            return found
        await asyncio.sleep(0.02)
    return found


async def test_refresh_then_find_downloaded_files_by_path(
    plex: PlexServerClient, tmp_path: Path
) -> None:
    bob = tmp_path / "youtube" / "bob" / "Other"
    bob.mkdir(parents=True)
    (bob / "Not Alice [zzz].mp4").write_bytes(b"\0" * 64)
    await plex.refresh_section(YOUTUBE, None)
    assert titles(await wait_for(plex, bob, 1)) == ["Not Alice"]

    folder = tmp_path / "youtube" / "alice" / "Lo-fi & Chill 🎧"
    folder.mkdir(parents=True)
    (folder / "Clip One [abc123].mp4").write_bytes(b"\0" * 128)
    (folder / "Clip Two (2024) [def456].webm").write_bytes(b"\0" * 128)
    (folder / "Clip Three [ghi789].mp4.part").write_bytes(b"\0" * 16)
    assert await plex.items_by_path(YOUTUBE, str(folder)) == []
    await plex.refresh_section(YOUTUBE, str(folder))
    found = await wait_for(plex, folder, 2)
    assert sorted(titles(found)) == ["Clip One", "Clip Two"]
    assert all(Path(i.files[0]).parent == folder for i in found)
    assert [i.year for i in found if i.title == "Clip Two"] == [2024]
    assert len(await plex.items_by_path(YOUTUBE, str(folder) + "/")) == 2
    assert await plex.items_by_path(YOUTUBE, str(tmp_path / "youtube" / "ali")) == []
    with pytest.raises(NotFound):
        await plex.refresh_section(99, None)
    with pytest.raises(NotFound):
        await plex.items_by_path(99, str(folder))


# -------------------------------------------------------------------- images
async def test_image_is_resized_by_the_server(plex: PlexServerClient, recorder: Recorder) -> None:
    movie = (await plex.section_items(MOVIES, size=1)).items[0]
    assert movie.thumb is not None
    data, content_type = await plex.image(movie.thumb, width=100, height=150)
    assert content_type == "image/jpeg"
    with Image.open(io.BytesIO(data)) as image:
        assert image.size == (100, 150)
    params = recorder.requests[-1].url.params
    assert (params["url"], params["minSize"], params["upscale"]) == (movie.thumb, "1", "1")
    with pytest.raises(NotFound):
        await plex.image("/library/metadata/999999/thumb/1", width=10, height=10)


@pytest.mark.parametrize(
    "path",
    [
        "http://evil.example/x.jpg",
        "//evil.example/library/x.jpg",
        "/library/../etc/passwd",
        "/library/metadata/1/thumb/../../../x",
        "/library/%2e%2e/x",
        "/etc/passwd",
        "library/metadata/1/thumb",
        "/library/metadata/1/thumb?url=http://evil",
        "/library/metadata/1/thumb#x",
        "/library\\metadata",
        "/library/./metadata",
        "",
    ],
)
async def test_image_refuses_paths_that_are_not_this_servers_artwork(
    plex: PlexServerClient, recorder: Recorder, path: str
) -> None:
    with pytest.raises(ValueError, match="not a Plex image path"):
        await plex.image(path, width=10, height=10)
    assert recorder.requests == []


@pytest.mark.parametrize(("width", "height"), [(0, 10), (10, 2001), (-1, 5), (True, 5)])
async def test_image_refuses_silly_sizes(plex: PlexServerClient, width: int, height: int) -> None:
    with pytest.raises(ValueError, match="between 1 and 2000"):
        await plex.image("/library/metadata/1/thumb/1", width=width, height=height)


# -------------------------------------------------------------------- failures
async def test_bad_token_is_credentials_rejected(recorder: Recorder, state: PlexFakeState) -> None:
    async with make(recorder, token="wrong-token-xyz") as plex:
        assert (await plex.identity()).machine_identifier == MID  # needs no token
        with pytest.raises(CredentialsRejected) as caught:
            await plex.sections()
        with pytest.raises(CredentialsRejected):
            await plex.item("1")  # not None: a refused token is not a missing item
        assert "wrong-token-xyz" not in f"{caught.value} {caught.value!r}"
        assert plex.availability.credentials_rejected and not plex.availability.healthy
    state.faults.revoked = True
    async with make(recorder) as plex:
        with pytest.raises(CredentialsRejected) as revoked:
            await plex.section_items(MOVIES)
        assert PLEX_OWNER_TOKEN not in str(revoked.value)


async def test_shared_users_may_read_but_not_write(recorder: Recorder) -> None:
    async with make(recorder, token=str(ALICE.server_access_token)) as plex:
        key = (await plex.section_items(MOVIES, size=1)).items[0].rating_key
        with pytest.raises(CredentialsRejected):
            await plex.create_collection(MOVIES, "Mine", [key], machine_identifier=MID)


async def test_garbage_is_bad_response(plex: PlexServerClient, state: PlexFakeState) -> None:
    state.faults.garbage = True
    with pytest.raises(BadResponse, match="not JSON"):
        await plex.sections()
    with pytest.raises(BadResponse, match="not an image"):
        await plex.image("/library/metadata/1/thumb/1", width=10, height=10)


async def test_5xx_and_down_are_unavailable_and_recover(
    recorder: Recorder, state: PlexFakeState
) -> None:
    async with make(recorder) as plex:
        state.faults.fail_next = 1
        with pytest.raises(Unavailable, match="500") as failed:
            await plex.sections()
        assert failed.value.status == 500 and not plex.availability.healthy
        state.faults.down = True
        with pytest.raises(Unavailable, match="503"):
            await plex.item("1")
        state.faults.reset()
        assert len(await plex.sections()) == 3 and plex.availability.healthy
    async with make(recorder, policy=HttpPolicy(retries=1, backoff=0.0)) as plex:
        state.faults.fail_next = 1
        assert len(await plex.sections()) == 3  # a GET is retried once


async def test_breaker_opens_then_recovers(recorder: Recorder, state: PlexFakeState) -> None:
    clock = Clock()
    policy = HttpPolicy(retries=0, backoff=0.0, breaker_threshold=2, breaker_cooldown=30.0)
    async with make(recorder, policy=policy, clock=clock) as plex:
        state.faults.down = True
        for _ in range(2):
            with pytest.raises(Unavailable):
                await plex.sections()
        state.faults.reset()
        sent = len(recorder.requests)
        with pytest.raises(Unavailable, match="next try"):
            await plex.sections()
        assert len(recorder.requests) == sent  # failed fast, Plex not bothered
        clock.now += 31
        assert len(await plex.sections()) == 3
        assert plex.availability.healthy


async def test_unknown_types_are_kept_and_odd_entries_skipped() -> None:
    body = {
        "MediaContainer": {
            "size": 3,
            "totalSize": 9,
            "Metadata": [
                {"ratingKey": 7, "type": "podcast", "title": "New Kind", "addedAt": 0},
                {"type": "movie", "title": "no rating key"},
                {"ratingKey": "8", "type": "movie", "originallyAvailableAt": "2023-13", "x": {}},
            ],
        }
    }
    async with mock(body) as plex:
        page = await plex.section_items(MOVIES)
    assert page.total == 9 and [i.rating_key for i in page.items] == ["7", "8"]
    assert (page.items[0].type, page.items[0].type_raw) == (ItemType.UNKNOWN, "podcast")
    assert page.items[1].originally_available_at is None
    sections = {"MediaContainer": {"Directory": [{"key": "4", "type": "mystery", "title": "M"}]}}
    async with mock(sections) as plex:
        (section,) = await plex.sections()
    assert (section.id, section.type, section.type_raw) == (4, ItemType.UNKNOWN, "mystery")


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b'<?xml version="1.0"?><MediaContainer size="0"/>', "text/xml"),
        (
            {"MediaContainer": {"Directory": "not a list", "Metadata": "not a list"}},
            "application/json",
        ),
        ({"Directory": [], "Metadata": []}, "application/json"),
        ([1, 2, 3], "application/json"),
    ],
)
async def test_wrong_shapes_are_bad_response(body: Any, content_type: str) -> None:
    async with mock(body, content_type=content_type) as plex:
        with pytest.raises(BadResponse):
            await plex.sections()
        with pytest.raises(BadResponse):
            await plex.section_items(MOVIES)


async def test_media_files_are_read_from_parts_and_nulls_mean_none() -> None:
    parts = [{"Part": [{"file": "/m/a.mkv", "size": 1}, {"file": 5}, {"id": 2}]}, {"Part": None}]
    body = {
        "MediaContainer": {
            "totalSize": 3,
            "Metadata": [
                {
                    "ratingKey": "1",
                    "type": "movie",
                    "Media": parts,
                    "Genre": [{"id": 4, "tag": "X"}],
                },
                {"ratingKey": "2", "type": "movie", "Media": None, "Genre": None},
                {"ratingKey": "3", "type": "show"},
            ],
        }
    }
    async with mock(body) as plex:
        page = await plex.section_items(MOVIES, files=True)
        listed = await plex.section_items(MOVIES)
    assert [i.files for i in page.items] == [["/m/a.mkv"], [], []]
    assert [i.files for i in listed.items] == [[], [], []]  # listings leave the parts unread
    assert [[(g.id, g.title) for g in i.genres] for i in page.items] == [[("4", "X")], [], []]


async def test_redirects_are_not_followed() -> None:
    async with mock(b"", status=302) as plex:
        with pytest.raises(BadResponse, match="redirect"):
            await plex.sections()


# -------------------------------------------------------------------- a real port
@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[PlexFakeState, FakeServer]]:
    state = PlexFakeState.demo(seed=1, media_root=tmp_path)
    with FakeServer(create_app(state)) as server:
        yield state, server


async def test_real_port_slow_and_stopped(served: tuple[PlexFakeState, FakeServer]) -> None:
    state, server = served
    errors: list[IntegrationError] = []
    policy = HttpPolicy(timeout=0.2, connect_timeout=0.2, retries=0)
    async with PlexServerClient(server.url, PLEX_OWNER_TOKEN, policy=policy) as plex:
        assert (await plex.identity()).machine_identifier == MID
        assert (await plex.section_items(MOVIES, size=5)).total == 200
        state.faults.slow = 0.6
        with pytest.raises(Unavailable, match="no answer") as slow:
            await plex.sections()
        errors.append(slow.value)
        state.faults.slow = 0.0
        server.stop()
        with pytest.raises(Unavailable, match="cannot connect") as stopped:
            await plex.sections()
        errors.append(stopped.value)
        assert not plex.availability.healthy
    assert all(PLEX_OWNER_TOKEN not in f"{e} {e!r}" for e in errors)
