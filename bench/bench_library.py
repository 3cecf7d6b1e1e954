"""Browsing a 100,000-item library: the first page, a deep page and a search through MediaNest's
API, and a section's HTML page, next to the same request made straight to the fake Plex server.

The fake is seeded with ``PlexFakeState.generated(100_000)`` and served on a real port; MediaNest
runs in-process (ASGI transport) with its real Plex client talking to that port. "no cache"
sets the answer cache's TTL to 0, so every request goes to Plex and the ratio is the overhead
MediaNest adds (auth, client, parsing, caching, JSON or HTML); "cached" is what repeated views
cost. The three are timed in turns, call by call, so load on the machine hits them alike. The
verdict compares medians over the whole run; the bracket after it gives the middle half of the
same ratio turn by turn, to show how much the machine's load moved it.
"""

from __future__ import annotations

import asyncio
import logging
import re
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx
from asgi_lifespan import LifespanManager

from bench.stats import row
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
GRID = 60  # posters on a section page
BLOCK = 10  # calls per turn
RUNS = {"first page": 200, "deep page": 200, "search": 60, "HTML section page": 100}
QUERY = "harbor"
PASSWORD = "bench-password-not-secret"  # noqa: S105
# The goals, as ratios to the direct request: (no cache, cached).
GOALS = {
    "first page": (1.3, 0.2),
    "deep page": (1.3, 0.2),
    "search": (1.3, 0.2),
    "HTML section page": (2.0, 0.2),
}
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')

Call = Callable[[], Awaitable[object]]


def _direct(plex: httpx.AsyncClient) -> dict[str, Call]:
    def page(start: int) -> Call:
        headers = {"X-Plex-Container-Start": str(start), "X-Plex-Container-Size": str(SIZE)}
        return lambda: _ok(
            plex.get("/library/sections/1/all?sort=titleSort%3Aasc", headers=headers)
        )

    def grid(start: int) -> Call:
        headers = {"X-Plex-Container-Start": str(start), "X-Plex-Container-Size": str(GRID)}
        return lambda: _ok(
            plex.get("/library/sections/1/all?sort=titleSort%3Aasc", headers=headers)
        )

    search = f"/hubs/search?query={QUERY}&limit=10&includeCollections=1"
    return {
        "first page": page(0),
        "deep page": page(DEEP),
        "search": lambda: _ok(plex.get(search)),
        "HTML section page": grid(0),
    }


def _medianest(api: httpx.AsyncClient, browser: httpx.AsyncClient) -> dict[str, Call]:
    items = f"/api/v1/library/sections/1/items?size={SIZE}"
    return {
        "first page": lambda: _ok(api.get(items)),
        "deep page": lambda: _ok(api.get(f"{items}&start={DEEP}")),
        "search": lambda: _ok(api.get(f"/api/v1/library/search?q={QUERY}&limit=10")),
        "HTML section page": lambda: _ok(browser.get("/library/sections/1")),
    }


async def _timed(call: Call) -> float:
    started = time.perf_counter()
    await call()
    return (time.perf_counter() - started) * 1000


async def _interleaved(
    direct: Call, ours: Call, reader: object, runs: int
) -> tuple[list[float], list[float], list[float]]:
    """(baseline, no cache, cached) timings, taken in turns of ``BLOCK`` calls each: a turn per
    call would time each call together with the fake's tail of work on the previous one."""
    timings: tuple[list[float], list[float], list[float]] = ([], [], [])
    for turn in range(-1, max(1, runs // BLOCK)):  # turn -1 warms up
        for which, (call, ttl) in enumerate(((direct, None), (ours, 0), (ours, 3600))):
            if ttl is not None:
                reader.ttl = ttl  # type: ignore[attr-defined]
                await ours()  # with the cache on, this stores what the timed calls find
            block = [await _timed(call) for _ in range(BLOCK)]
            if turn >= 0:
                timings[which].extend(block)
    return timings


async def _signed_in(app: object) -> httpx.AsyncClient:
    browser = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),  # type: ignore[arg-type]
        base_url="http://medianest",
        timeout=60,
    )
    token = CSRF.search((await browser.get("/signin")).text)
    assert token, "no CSRF token on the sign-in page"
    form = {"username": "admin", "password": PASSWORD, "csrf_token": token.group(1)}
    signed = await browser.post("/signin/local", data=form)
    assert signed.status_code == 303, signed.text[:300]
    return browser


def _spread(baseline: list[float], ours: list[float]) -> str:
    """The middle half of the ratios turn by turn (each turn's median to that turn's baseline):
    how far the machine's load moved the answer during the run."""
    turns = [
        statistics.median(ours[i : i + BLOCK]) / statistics.median(baseline[i : i + BLOCK])
        for i in range(0, len(baseline), BLOCK)
    ]
    if len(turns) < 4:
        return ""
    low, _, high = statistics.quantiles(turns, n=4)
    return f" [turns x{low:.2f}..x{high:.2f}]"


def _verdict(name: str, baseline: list[float], uncached: list[float], cached: list[float]) -> str:
    base = statistics.median(baseline)
    cold, warm = statistics.median(uncached) / base, statistics.median(cached) / base
    cold_goal, warm_goal = GOALS[name]
    marks = ["ok" if cold <= cold_goal else "MISSED", "ok" if warm <= warm_goal else "MISSED"]
    return (
        f"{name:<18} no cache x{cold:.2f} (goal <= {cold_goal}, {marks[0]})"
        f"{_spread(baseline, uncached)}   "
        f"cached x{warm:.2f} (goal <= {warm_goal}, {marks[1]}){_spread(baseline, cached)}"
    )


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
                admin_password=PASSWORD,
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
                browser = await _signed_in(app)
                direct, ours = _direct(plex), _medianest(api, browser)
                ratios: list[str] = []
                for name, runs in RUNS.items():
                    reader = container.library.reader
                    baseline, uncached, cached = await _interleaved(
                        direct[name], ours[name], reader, runs
                    )
                    print(row(f"{name}: straight to the fake (baseline)", baseline))
                    print(row(f"{name}: MediaNest, no cache", uncached, baseline))
                    print(row(f"{name}: MediaNest, cached", cached, baseline))
                    ratios.append(_verdict(name, baseline, uncached, cached))
                print("\n".join(ratios))
                # For scale: MediaNest's fixed cost per request, without and with signing in.
                for label, path in (
                    ("/healthz (no auth)", "/healthz"),
                    ("/api/v1/me", "/api/v1/me"),
                ):
                    fixed = [await _timed(lambda p=path: _ok(api.get(p))) for _ in range(100)]
                    print(row(f"for scale: MediaNest {label}", fixed))
                await browser.aclose()
                await api.aclose()
                await plex.aclose()
    finally:
        fake.stop()


def main() -> None:
    asyncio.run(run())
