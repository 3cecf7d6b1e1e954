"""Searching through the fake Overseerr: availability states, encoding, and a dead or slow
Overseerr that switches off only this feature."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from medianest.integrations.overseerr.fake_model import MediaStatus
from tests.conftest import Login
from tests.support.overseerr_world import (  # noqa: F401 - fixtures
    OverseerrWorld,
    overseerr_overrides,
    overseerr_world,
)
from tests.support.signin import api_client


def _by_id(body: dict[str, object], tmdb_id: int) -> dict[str, object]:
    results = body["results"]
    assert isinstance(results, list)
    return next(r for r in results if r["tmdb_id"] == tmdb_id)


async def test_search_shows_each_availability_state(
    overseerr: OverseerrWorld, login: Login
) -> None:
    alice = await api_client(login, "alice")
    state = overseerr.state
    in_plex = overseerr.fresh("movie")
    state.mark_available(in_plex.tmdb_id, "movie", rating_key="4242")
    partial = next(m for m in state.media.values() if m.status == MediaStatus.PARTIALLY_AVAILABLE)
    pending = next(r for r in state.requests.values() if r.status == 1 and r.type == "movie")
    nothing = overseerr.fresh("movie", skip=1)
    cases = [
        (in_plex.title, in_plex.tmdb_id, "available", "Available in Plex"),
        (state.item_of(partial).title, partial.tmdb_id, "partial", "Partially available"),
        (
            state.item_of(state.media[pending.media_id]).title,
            state.media[pending.media_id].tmdb_id,
            "requested",
            "Requested · pending approval",
        ),
        (nothing.title, nothing.tmdb_id, "", ""),
    ]
    for query, tmdb_id, kind, label in cases:
        response = await alice.get("/api/v1/media/search", params={"q": query})
        assert response.status_code == 200, response.text
        hit = _by_id(response.json(), tmdb_id)
        assert hit["availability"]["kind"] == kind, query  # type: ignore[index]
        assert hit["availability"]["label"] == label  # type: ignore[index]
        assert hit["requestable"] is (
            kind in ("", "partial") if hit["media_type"] == "tv" else kind == ""
        )
    hit = _by_id(
        (await alice.get("/api/v1/media/search", params={"q": in_plex.title})).json(),
        in_plex.tmdb_id,
    )
    assert hit["availability"]["library_url"] == "/library/items/4242"  # type: ignore[index]
    assert str(hit["poster_url"]).startswith("/requests/posters/w342/")


async def test_queries_with_spaces_and_symbols_reach_overseerr_encoded(
    overseerr: OverseerrWorld, login: Login
) -> None:
    alice = await api_client(login, "alice")
    for query in ("C++ for Lovers", "Tom & Jerry's Midnight Run"):
        response = await alice.get("/api/v1/media/search", params={"q": query})
        assert response.status_code == 200, response.text
        assert any(r["title"] == query for r in response.json()["results"])
    sent = [
        r.url.raw_path.decode()
        for r in overseerr.recorder.requests
        if r.url.path.endswith("/search")
    ]
    assert sent and all("+" not in path.split("query=")[1].split("&")[0] for path in sent)
    assert any("C%2B%2B%20for%20Lovers" in path for path in sent)


async def test_search_page_escapes_titles_and_offers_the_request_button(
    overseerr: OverseerrWorld, login: Login
) -> None:
    alice = await api_client(login, "alice")
    page = await alice.get("/requests", params={"q": "Night"})
    assert page.status_code == 200
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Night" in page.text
    fresh = overseerr.fresh("movie")
    found = await alice.get(
        "/requests",
        params={"q": fresh.title},
        headers={"HX-Request": "true", "HX-Target": "request-results"},
    )
    assert "<html" not in found.text  # a fragment for HTMX
    assert f'hx-get="/requests/new/movie/{fresh.tmdb_id}"' in found.text


async def test_overseerr_down_disables_search_but_my_requests_still_lists(
    overseerr: OverseerrWorld, login: Login
) -> None:
    alice = await api_client(login, "alice")
    movie = overseerr.fresh("movie")
    created = await alice.post(
        "/api/v1/requests", json={"media_type": "movie", "tmdb_id": movie.tmdb_id}
    )
    assert created.status_code == 201, created.text
    overseerr.state.faults.down = True

    api = await alice.get("/api/v1/media/search", params={"q": "anything"})
    assert api.status_code == 503
    assert api.headers["content-type"].startswith("application/problem+json")
    assert "not answering" in api.json()["detail"]
    page = await alice.get("/requests", params={"q": "anything"})
    assert page.status_code == 200
    assert "not answering right now" in page.text
    assert 'name="q" value="anything"' in page.text and " disabled" in page.text
    again = await alice.post(
        "/api/v1/requests", json={"media_type": "movie", "tmdb_id": movie.tmdb_id + 1}
    )
    assert again.status_code in (409, 503)

    mine = await alice.get("/requests/mine")
    assert mine.status_code == 200 and movie.title in mine.text
    listed = await alice.get("/api/v1/requests")
    assert [r["tmdb_id"] for r in listed.json()["results"]] == [movie.tmdb_id]

    overseerr.state.faults.down = False
    recovered = await alice.get("/requests")
    assert "not answering" not in recovered.text


async def test_slow_overseerr_answers_503_within_the_timeout(
    app: FastAPI, overseerr: OverseerrWorld, login: Login
) -> None:
    alice = await api_client(login, "alice")
    overseerr.app.state.container.requests.gate.timeout_s = 0.3
    overseerr.state.faults.slow = 2.0
    response = await alice.get("/api/v1/media/search", params={"q": "slow"})
    assert response.status_code == 503
    overseerr.state.faults.slow = 0.0


async def test_not_configured_says_so(app: FastAPI, login: Login) -> None:
    alice = await api_client(login, "alice")
    container = app.state.container
    if container.integrations.overseerr is not None:
        container.close_later(container.integrations.overseerr)
    container.integrations.overseerr = None
    page = await alice.get("/requests")
    assert "Overseerr is not configured" in page.text
    api = await alice.get("/api/v1/media/search", params={"q": "x"})
    assert api.status_code == 503


async def test_posters_come_through_medianest_and_are_cached(
    overseerr: OverseerrWorld, login: Login, client: httpx.AsyncClient
) -> None:
    alice = await api_client(login, "alice")
    movie = overseerr.fresh("movie")
    url = f"/requests/posters/w185{movie.poster_path}"
    first = await alice.get(url)
    assert first.status_code == 200
    assert first.headers["content-type"] == "image/jpeg"
    assert "max-age" in first.headers["cache-control"]
    overseerr.state.faults.down = (
        True  # posters live under /__fake__ (never faulted): prove the cache
    )
    overseerr.app.state.container.requests.posters.base_url = "http://nowhere.invalid/t/p"
    again = await alice.get(url)
    assert again.status_code == 200 and again.content == first.content
    for bad in (
        "/requests/posters/w9999/p1.jpg",
        "/requests/posters/w185/..%2F..%2Fsecret.jpg",
        "/requests/posters/w185/p1.exe",
    ):
        assert (await alice.get(bad)).status_code == 404
    missing = await alice.get("/requests/posters/w185/never-there.jpg")
    assert missing.status_code in (404, 502)
    assert (await client.get(url)).status_code in (401, 303)  # signed-in people only
