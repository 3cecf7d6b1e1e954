"""TMDB posters, fetched by MediaNest and served from its own origin.

Browsers load posters from MediaNest only (CSP ``img-src 'self'``; no third-party requests that
tell TMDB who is browsing). Only the configured TMDB image base is ever fetched, only known sizes
and plain file names are accepted, and each poster is kept on disk: TMDB file names change when
the picture does, so a cached file never goes stale and browsers may keep it for long.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from medianest.domain.errors import NotFound, ServiceDown
from medianest.domain.requests import POSTER_SIZES, poster_name
from medianest.integrations.base import tls_context
from medianest.observability.logging import get_logger
from medianest.services.files import write_atomically

log = get_logger(__name__)

MAX_BYTES = 4_000_000
MAX_FILES = 5000
TYPES = {"jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png", "webp": "image/webp"}


@dataclass(frozen=True)
class Poster:
    path: Path
    media_type: str


@dataclass
class PosterCache:
    base_url: str
    folder: Path
    timeout_s: float = 10.0
    transport: httpx.AsyncBaseTransport | None = None
    _inflight: dict[str, asyncio.Future[Path]] = field(default_factory=dict)
    _client: httpx.AsyncClient | None = None

    def _http(self) -> httpx.AsyncClient:
        """One client for every fetch: a new one would build a TLS context (milliseconds of
        CPU, loading the CA store) and a new connection for each poster."""
        if self._client is None:
            self._client = httpx.AsyncClient(
                timeout=self.timeout_s, transport=self.transport, verify=tls_context()
            )
        return self._client

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def get(self, size: str, name: str) -> Poster:
        """The poster file on disk, fetched first if needed; ``NotFound`` for odd names."""
        if size not in POSTER_SIZES or poster_name(name) != name:
            raise NotFound("No such poster.")
        kind = TYPES[name.rsplit(".", 1)[1].lower()]
        target = self.folder / size / name
        if target.is_file():
            return Poster(target, kind)
        key = f"{size}/{name}"
        pending = self._inflight.get(key)
        if pending is not None:  # someone is fetching it already: wait for them
            return Poster(await asyncio.shield(pending), kind)
        future: asyncio.Future[Path] = asyncio.get_running_loop().create_future()
        self._inflight[key] = future
        try:
            await self._fetch(size, name, target)
            future.set_result(target)
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: no "never retrieved" warning when nobody waits
            raise
        finally:
            del self._inflight[key]
        return Poster(target, kind)

    async def _fetch(self, size: str, name: str, target: Path) -> None:
        url = f"{self.base_url}/{size}/{name}"
        try:
            async with self._http().stream("GET", url, follow_redirects=False) as response:
                if response.status_code == 404:
                    raise NotFound("No such poster.")
                content_type = response.headers.get("content-type", "").split(";")[0].strip()
                if response.status_code != 200 or not content_type.startswith("image/"):
                    raise ServiceDown(f"the image host answered {response.status_code}")
                body = bytearray()
                async for chunk in response.aiter_bytes():
                    body.extend(chunk)
                    if len(body) > MAX_BYTES:
                        raise ServiceDown("the poster is too large")
        except httpx.HTTPError as exc:
            log.warning("poster fetch failed", size=size, name=name, reason=type(exc).__name__)
            raise ServiceDown("the image host is not answering") from exc
        await asyncio.to_thread(write_atomically, target, bytes(body))

    def prune(self, keep: int = MAX_FILES) -> int:
        """Drop the least recently written posters beyond ``keep`` files; returns how many."""
        if not self.folder.is_dir():
            return 0
        files = sorted(
            (p for p in self.folder.glob("*/*") if p.is_file()), key=lambda p: p.stat().st_mtime
        )
        extra = files[: max(0, len(files) - keep)]
        for path in extra:
            path.unlink(missing_ok=True)
        return len(extra)
