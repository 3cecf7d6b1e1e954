"""Browsing a 100,000-item library: the first page, a deep page and a search, through
MediaNest's API next to the same request made straight to the fake Plex server.

The fake is seeded with ``PlexFakeState.generated(100_000)`` and served on a real port; MediaNest
runs in-process (ASGI transport) with its real Plex client talking to that port. "no cache"
sets the answer cache's TTL to 0, so every request goes to Plex and the ratio is the overhead
MediaNest adds (auth, client, parsing, caching, JSON); "cached" is what repeated views cost.
"""

from __future__ import annotations

import asyncio
import logging
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx
from asgi_lifespan import LifespanManager

from bench.stats import row, sample
from medianest.app import create_app
from medianest.config import Settings
from medianest.demo.identities import PLEX_OWNER_TOKEN
from medianest.domain.users import Actor
from medianest.integrations.fakekit import FakeServer
from medianest.integrations.plex.fake import PlexFakeState
from medianest.integrations.plex.fake import create_app as plex_app
from medianest.observability.logging import configure_logging
from medianest.persistence import migrate
from medianest.persistence.models import User
from medianest.services import api_tokens

ITEMS = 100_000
DEEP = 90_000
SIZE = 50
RUNS = {"first page": 200, "deep page": 200, "search": 60}
QUERY = "harbor"

Call = Callable[[], Awaitable[object]]


def _direct(plex: httpx.AsyncClient) -> dict[str, Call]:
    def page(start: int) -> Call:
        headers = {"X-Plex-Container-Start": str(start), "X-Plex-Container-Size": str(SIZE)}
        return lambda: _ok(
            plex.get("/library/sections/1/all?sort=titleSort%3Aasc", headers=headers)
        )

    search = f"/hubs/search?query={QUERY}&limit=10&includeCollections=1"
    return {
        "first page": page(0),
        "deep page": page(DEEP),
        "search": lambda: _ok(plex.get(search)),
    }


def _medianest(api: httpx.AsyncClient) -> dict[str, Call]:
    items = f"/api/v1/library/sections/1/items?size={SIZE}"
    return {
        "first page": lambda: _ok(api.get(items)),
        "deep page": lambda: _ok(api.get(f"{items}&start={DEEP}")),
        "search": lambda: _ok(api.get(f"/api/v1/library/search?q={QUERY}&limit=10")),
    }


async def _ok(pending: Awaitable[httpx.Response]) -> httpx.Response:
    response = await pending
    if response.status_code != 200:
        raise RuntimeError(f"{response.request.url}: {response.status_code} {response.text[:200]}")
    return response


async def _token(app_container: object) -> str:
    from sqlalchemy import select

    sessions = app_container.sessions  # type: ignore[attr-defined]
    async with sessions.begin() as db:
        admin = await db.scalar(select(User).where(User.username == "admin"))
        assert admin is not None
        made = await api_tokens.create(db, Actor.system(), admin.id, "bench")
    return made.secret


async def run() -> None:
    configure_logging("warning", "json")
    logging.getLogger("medianest.access").setLevel(logging.WARNING)
    started = time.perf_counter()
    state = PlexFakeState.generated(ITEMS)
    fake = FakeServer(plex_app(state)).start()
    print(f"seeded the fake with {ITEMS:,} movies in {time.perf_counter() - started:.1f}s")
    try:
        with tempfile.TemporaryDirectory() as folder:
            settings = Settings(  # type: ignore[call-arg]
                _env_file=None,
                data_dir=Path(folder),
                embedded_worker=False,
                demo=False,
                plex_url=fake.url,
                plex_token=PLEX_OWNER_TOKEN,
                admin_password="bench-password-not-secret",  # noqa: S106
                library_cache_seconds=0,
            )
            await migrate.upgrade_url(settings.resolved_database_url)
            app = create_app(settings)
            async with LifespanManager(app, startup_timeout=60):
                container = app.state.container
                token = await _token(container)
                api = httpx.AsyncClient(
                    transport=httpx.ASGITransport(app=app),
                    base_url="http://medianest",
                    headers={"Authorization": f"Bearer {token}"},
                    timeout=60,
                )
                plex = httpx.AsyncClient(
                    base_url=fake.url,
                    headers={"X-Plex-Token": PLEX_OWNER_TOKEN, "Accept": "application/json"},
                    timeout=60,
                )
                direct, ours = _direct(plex), _medianest(api)
                for name, runs in RUNS.items():
                    baseline = await sample(direct[name], runs=runs, warmup=10)
                    container.library.reader.ttl = 0
                    uncached = await sample(ours[name], runs=runs, warmup=10)
                    container.library.reader.ttl = 3600
                    cached = await sample(ours[name], runs=runs, warmup=10)
                    print(row(f"{name}: straight to the fake (baseline)", baseline))
                    print(row(f"{name}: MediaNest API, no cache", uncached, baseline))
                    print(row(f"{name}: MediaNest API, cached", cached, baseline))
                await api.aclose()
                await plex.aclose()
    finally:
        fake.stop()


def main() -> None:
    asyncio.run(run())
