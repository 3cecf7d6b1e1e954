"""How the library asks Plex: through the answer cache, one request per key at a time, with a
time limit, and with what was cached last (and a notice saying why) when Plex cannot answer."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import TypeAdapter

from medianest.domain.errors import NotFound, ServiceDown
from medianest.integrations.base import IntegrationError
from medianest.integrations.base import NotFound as PlexNotFound
from medianest.integrations.plex.client import PlexServerClient
from medianest.services.integrations import Integrations
from medianest.services.library_cache import LibraryCache
from medianest.services.library_views import Degraded, degraded_notice

T = TypeVar("T")
NOT_CONFIGURED = "No Plex server is configured yet. An admin can connect one."
GONE = "There is nothing like that in the library."


@dataclass(frozen=True)
class Fetched(Generic[T]):
    """A value, and why it may be old (``degraded`` is None when it came fresh from Plex).

    ``version`` names this very answer (its cache key and when it was stored) while it is
    fresh, so views made of it can be kept and sent again as they are; None otherwise.
    """

    value: T
    degraded: Degraded | None = None
    version: str | None = None


def _version(key: str, section_id: int | None, stored_at: float) -> str:
    return f"{section_id}:{key}@{stored_at!r}"


def first_notice(notices: Iterable[Degraded | None]) -> Degraded | None:
    return next((n for n in notices if n is not None), None)


class PlexReader:
    """Gets the client from ``integrations`` at each call (the admin may reconnect Plex)."""

    def __init__(
        self, integrations: Integrations, cache: LibraryCache, *, ttl: float, timeout: float
    ) -> None:
        self.integrations = integrations
        self.cache = cache
        self.ttl = ttl
        self.timeout = timeout
        self._client_seen: int | None = None
        self._inflight: dict[str, asyncio.Future[Any]] = {}

    async def _client(self) -> PlexServerClient:
        client = self.integrations.plex
        if client is None:
            raise ServiceDown(NOT_CONFIGURED)
        if self._client_seen != id(client):  # the admin connected another server
            if self._client_seen is not None:
                await self.cache.invalidate_all()
            self._client_seen = id(client)
        return client

    async def fetch(
        self,
        key: str,
        adapter: TypeAdapter[T],
        load: Callable[[PlexServerClient], Awaitable[T]],
        *,
        section_id: int | None = None,
        ttl: float | None = None,
    ) -> Fetched[T]:
        """The cached answer while fresh, else Plex's; stale with a notice when Plex fails."""
        client = await self._client()
        entry = await self.cache.get(key, adapter, section_id)
        if entry is not None and entry.fresh(self.ttl if ttl is None else ttl, time.time()):
            return Fetched(entry.value, version=_version(key, section_id, entry.stored_at))
        try:
            value = await self._load_once(f"{section_id}:{key}", client, load)
        except PlexNotFound as exc:
            raise NotFound(GONE) from exc
        except (IntegrationError, TimeoutError) as exc:
            notice = degraded_notice(client.availability, exc, stale=entry is not None)
            if entry is None:
                raise ServiceDown(notice.text) from exc
            return Fetched(entry.value, notice)
        stored_at = await self.cache.put(key, value, adapter, section_id)
        return Fetched(value, version=_version(key, section_id, stored_at))

    async def _load_once(
        self,
        flight: str,
        client: PlexServerClient,
        load: Callable[[PlexServerClient], Awaitable[T]],
    ) -> T:
        """One request to Plex per key at a time in this process; the others wait for it."""
        if (running := self._inflight.get(flight)) is not None:
            try:
                shared: T = await asyncio.shield(running)
                return shared
            except asyncio.CancelledError:
                if not running.cancelled():
                    raise  # this caller was cancelled, not the one it waited for
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._inflight[flight] = future
        try:
            async with asyncio.timeout(self.timeout):  # in this task: no extra task per load
                value = await load(client)
        except asyncio.CancelledError:
            future.cancel()
            raise
        except Exception as exc:
            future.set_exception(exc)
            future.exception()  # marked as retrieved: no warning when nobody else waited
            raise
        finally:
            self._inflight.pop(flight, None)
        future.set_result(value)
        return value
