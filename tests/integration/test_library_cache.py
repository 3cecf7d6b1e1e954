"""The Plex answer cache: what other features invalidate, shared between processes via Redis,
bounded in memory, and harmless when Redis is gone."""

from __future__ import annotations

import time

import httpx
import pytest
from fastapi import FastAPI
from pydantic import TypeAdapter

from medianest.services import library_cache
from medianest.services.library_cache import LibraryCache
from tests.conftest import Login, PlexWorld
from tests.support import backends

MOVIES = 1
INTS = TypeAdapter(list[int])


async def _total(http: httpx.AsyncClient) -> int:
    body = (await http.get(f"/api/v1/library/sections/{MOVIES}/items?size=1")).json()
    return int(body["total"])


async def _count(http: httpx.AsyncClient) -> int:
    sections = (await http.get("/api/v1/library/sections")).json()["sections"]
    return int(next(s["count"] for s in sections if s["id"] == MOVIES))


async def _found(http: httpx.AsyncClient, query: str) -> list[str]:
    hubs = (await http.get("/api/v1/library/search", params={"q": query})).json()["hubs"]
    return [i["title"] for h in hubs for i in h["items"]]


async def test_invalidating_a_section_shows_what_medianest_changed(
    app: FastAPI, login: Login, plex_world: PlexWorld
) -> None:
    http = await login("alice")
    cache: LibraryCache = app.state.container.library_cache
    total, count = await _total(http), await _count(http)
    assert await _found(http, "Invalidation Probe") == []
    added = plex_world.plex.add_movie(MOVIES, "Invalidation Probe", year=2026)
    try:
        # Cached: Plex changed behind MediaNest's back, and the cache does not know yet.
        assert (await _total(http), await _count(http)) == (total, count)
        assert await _found(http, "Invalidation Probe") == []
        await cache.invalidate_section(MOVIES)  # what the downloads feature calls after a scan
        assert (await _total(http), await _count(http)) == (total + 1, count + 1)
        assert await _found(http, "Invalidation Probe") == ["Invalidation Probe"]
    finally:
        plex_world.plex.remove_item(added.rk)
        await cache.invalidate_all()
    assert await _total(http) == total


async def test_invalidate_all_refreshes_item_details(
    app: FastAPI, login: Login, plex_world: PlexWorld
) -> None:
    http = await login("alice")
    item = next(i for i in plex_world.plex.snapshot() if i.type == "movie")
    before = (await http.get(f"/api/v1/library/items/{item.rk}")).json()["summary"]
    original = item.summary
    item.summary = "A freshly edited summary."
    try:
        assert (await http.get(f"/api/v1/library/items/{item.rk}")).json()["summary"] == before
        await app.state.container.library_cache.invalidate_all()
        after = (await http.get(f"/api/v1/library/items/{item.rk}")).json()["summary"]
        assert after == "A freshly edited summary."
    finally:
        item.summary = original
        await app.state.container.library_cache.invalidate_all()


async def test_other_sections_stay_cached(app: FastAPI) -> None:
    cache: LibraryCache = app.state.container.library_cache
    await cache.put("browse", [1], INTS, section_id=1)
    await cache.put("browse", [2], INTS, section_id=2)
    await cache.put("search", [3], INTS)
    await cache.invalidate_section(1)
    assert await cache.get("browse", INTS, section_id=1) is None
    kept = await cache.get("browse", INTS, section_id=2)
    assert kept is not None and kept.value == [2]
    assert await cache.get("search", INTS) is None  # spans sections: refreshed too


async def test_redis_cache_is_shared_between_processes(redis_url: str) -> None:
    namespace = f"{backends.redis_namespace()}-librarycache"
    one = LibraryCache.redis(redis_url, namespace)
    two = LibraryCache.redis(redis_url, namespace)
    try:
        await one.put("sections", [1, 2, 3], INTS)
        seen = await two.get("sections", INTS)
        assert seen is not None and seen.value == [1, 2, 3]
        await two.invalidate_section(7)
        assert await one.get("sections", INTS) is None
        await one.put("browse", [4], INTS, section_id=5)
        await two.invalidate_all()
        assert await one.get("browse", INTS, section_id=5) is None
    finally:
        await one.aclose()
        await two.aclose()
        backends.purge_redis_namespace(redis_url, namespace)


async def test_unreachable_redis_only_costs_the_cache() -> None:
    cache = LibraryCache.redis("redis://127.0.0.1:1/0", "nowhere")
    try:
        await cache.put("sections", [1], INTS)
        assert await cache.get("sections", INTS) is None
        await cache.invalidate_all()
    finally:
        await cache.aclose()


async def test_memory_cache_is_bounded_and_forgets_stale_entries() -> None:
    backend = library_cache._Memory(max_entries=3)
    cache = LibraryCache(backend, stale_seconds=60)
    for n in range(5):
        await cache.put(f"k{n}", [n], INTS)
    assert await cache.get("k0", INTS) is None and await cache.get("k1", INTS) is None
    assert [(await cache.get(f"k{n}", INTS)).value for n in (2, 3, 4)] == [[2], [3], [4]]  # type: ignore[union-attr]
    short = LibraryCache(library_cache._Memory(), stale_seconds=0)
    await short.put("gone", [1], INTS)
    assert await short.get("gone", INTS) is None


@pytest.mark.parametrize("ttl", [0.0, 60.0])
async def test_entries_are_fresh_for_the_ttl(ttl: float) -> None:
    cache = LibraryCache.in_memory()
    await cache.put("k", [1], INTS)
    entry = await cache.get("k", INTS)
    assert entry is not None
    assert entry.fresh(ttl, time.time() + 1) is (ttl > 1)
