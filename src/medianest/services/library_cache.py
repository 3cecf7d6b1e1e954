"""A short-lived cache of Plex answers: in memory by default, in Redis when configured.

Every entry is stored with the time it was fetched: it is *fresh* for the caller's TTL and kept
longer (``stale_seconds``) so that pages can still show something while Plex is down.
Invalidation bumps generation counters instead of deleting keys, so it is one cheap operation
that every process sharing the Redis sees at once:

- ``invalidate_section(id)``: that section's listings and genres, plus everything that spans
  sections (overview counts, search, recently added, items, collections);
- ``invalidate_all()``: everything.

A broken Redis never breaks the library: reads become misses and writes are skipped.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

import redis.asyncio as aioredis
from pydantic import TypeAdapter
from redis.exceptions import RedisError

from medianest.observability.logging import get_logger

log = get_logger(__name__)

T = TypeVar("T")
SHARED = "shared"  # scope of keys that span sections
MEMORY_ENTRIES = 512


@dataclass(frozen=True)
class Entry:
    value: Any
    stored_at: float

    def fresh(self, ttl: float, now: float) -> bool:
        return now - self.stored_at <= ttl


class _Backend(Protocol):
    async def generations(self, names: list[str]) -> list[int]: ...
    async def bump(self, name: str) -> None: ...
    async def get(self, key: str, adapter: TypeAdapter[Any]) -> Entry | None: ...
    async def put(self, key: str, entry: Entry, adapter: TypeAdapter[Any], keep: int) -> None: ...
    async def aclose(self) -> None: ...


class _Memory:
    """Objects kept as they are (models are frozen), bounded by count with LRU eviction."""

    def __init__(self, max_entries: int = MEMORY_ENTRIES) -> None:
        self.max_entries = max_entries
        self._data: OrderedDict[str, tuple[Entry, float]] = OrderedDict()
        self._gens: dict[str, int] = {}

    async def generations(self, names: list[str]) -> list[int]:
        return [self._gens.get(n, 0) for n in names]

    async def bump(self, name: str) -> None:
        self._gens[name] = self._gens.get(name, 0) + 1

    async def get(self, key: str, adapter: TypeAdapter[Any]) -> Entry | None:
        found = self._data.get(key)
        if found is None:
            return None
        entry, expires = found
        if time.time() > expires:
            del self._data[key]
            return None
        self._data.move_to_end(key)
        return entry

    async def put(self, key: str, entry: Entry, adapter: TypeAdapter[Any], keep: int) -> None:
        self._data[key] = (entry, entry.stored_at + keep)
        self._data.move_to_end(key)
        while len(self._data) > self.max_entries:
            self._data.popitem(last=False)

    async def aclose(self) -> None:
        self._data.clear()


class _Redis:
    """JSON in Redis under ``<namespace>:library:``; generations are plain counters."""

    def __init__(self, url: str, namespace: str) -> None:
        self._redis: aioredis.Redis = aioredis.from_url(url, socket_timeout=2)
        self._prefix = f"{namespace}:library:"

    async def generations(self, names: list[str]) -> list[int]:
        raw = await self._redis.mget([f"{self._prefix}gen:{n}" for n in names])
        return [int(v) if v is not None else 0 for v in raw]

    async def bump(self, name: str) -> None:
        await self._redis.incr(f"{self._prefix}gen:{name}")

    async def get(self, key: str, adapter: TypeAdapter[Any]) -> Entry | None:
        raw = await self._redis.get(self._prefix + key)
        if raw is None:
            return None
        data = raw if isinstance(raw, bytes) else str(raw).encode()
        stamp, _, body = data.partition(b"\n")
        return Entry(adapter.validate_json(body), float(stamp))

    async def put(self, key: str, entry: Entry, adapter: TypeAdapter[Any], keep: int) -> None:
        body = f"{entry.stored_at}\n".encode() + adapter.dump_json(entry.value)
        await self._redis.set(self._prefix + key, body, ex=max(1, keep))

    async def aclose(self) -> None:
        await self._redis.aclose()


class LibraryCache:
    """What the library service reads through; other features call the ``invalidate_*``."""

    def __init__(self, backend: _Backend, *, stale_seconds: int) -> None:
        self._backend = backend
        self.stale_seconds = stale_seconds

    @classmethod
    def in_memory(cls, *, stale_seconds: int = 86_400) -> LibraryCache:
        return cls(_Memory(), stale_seconds=stale_seconds)

    @classmethod
    def redis(cls, url: str, namespace: str, *, stale_seconds: int = 86_400) -> LibraryCache:
        return cls(_Redis(url, namespace), stale_seconds=stale_seconds)

    async def _key(self, key: str, section_id: int | None) -> str:
        scope = f"s{int(section_id)}" if section_id is not None else SHARED
        all_gen, scope_gen = await self._backend.generations(["all", scope])
        return f"{all_gen}.{scope}.{scope_gen}:{key}"

    async def get(
        self, key: str, adapter: TypeAdapter[T], section_id: int | None = None
    ) -> Entry | None:
        """The entry (fresh or stale, the caller decides), or None."""
        try:
            return await self._backend.get(await self._key(key, section_id), adapter)
        except (RedisError, OSError, ValueError) as exc:
            log.warning("library cache read failed", error=type(exc).__name__)
            return None

    async def put(
        self, key: str, value: T, adapter: TypeAdapter[T], section_id: int | None = None
    ) -> float:
        """Stores the value; returns the time it is stored with."""
        entry = Entry(value, time.time())
        try:
            full = await self._key(key, section_id)
            await self._backend.put(full, entry, adapter, self.stale_seconds)
        except (RedisError, OSError, ValueError) as exc:
            log.warning("library cache write failed", error=type(exc).__name__)
        return entry.stored_at

    async def invalidate_section(self, section_id: int) -> None:
        """After MediaNest changed one section (scan finished, collection created)."""
        await self._bump(f"s{int(section_id)}", SHARED)

    async def invalidate_all(self) -> None:
        """After anything larger: a new Plex server, a full refresh."""
        await self._bump("all")

    async def _bump(self, *names: str) -> None:
        try:
            for name in names:
                await self._backend.bump(name)
        except (RedisError, OSError) as exc:
            log.warning("library cache invalidation failed", error=type(exc).__name__)

    async def aclose(self) -> None:
        await self._backend.aclose()


def build_library_cache(redis_url: str | None, namespace: str, stale_seconds: int) -> LibraryCache:
    """Redis when configured (shared by every process), else this process's memory."""
    if redis_url:
        return LibraryCache.redis(redis_url, namespace, stale_seconds=stale_seconds)
    return LibraryCache.in_memory(stale_seconds=stale_seconds)
