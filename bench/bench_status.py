"""The status board with many monitors and a long history: ``/api/v1/services`` (bearer token)
and the dashboard page (admin session), next to a bare FastAPI endpoint in the same run.

Each size (7 and 100 monitors) gets 30 days of 1-minute history: the raw rows are bulk-inserted
and their rollups written by MediaNest's own rollup writer. All apps run in-process over the
ASGI transport (no load generator here), so figures are per-request costs: sequential medians,
and 50 concurrent clients for throughput and p95. A loop-lag probe (a 5 ms timer) runs during
the concurrent phase while the board is rebuilt every 100 ms, and reports the longest stall.
"""

from __future__ import annotations

import asyncio
import logging
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path

import httpx
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from sqlalchemy import insert, select
from tests.support.signin import sign_in_local

from bench.stats import p95, row, sample
from medianest.app import create_app
from medianest.config import Settings
from medianest.domain.health import HOUR, Health, Record, bucket_start
from medianest.domain.users import Actor
from medianest.observability.logging import configure_logging
from medianest.persistence import migrate
from medianest.persistence.models import MonitoredService, ServiceRecord, User
from medianest.persistence.types import utcnow
from medianest.services import api_tokens, status_rollups
from medianest.services.status import StatusCoordinator

SIZES = (7, 100)
DAYS = 30
RUNS = 300
CONCURRENCY = 50
PER_CLIENT = 20
PATTERNS = 5  # distinct histories (outages at different times), shared to seed faster
PASSWORD = "bench-password-not-secret"  # noqa: S105

Call = Callable[[], Awaitable[httpx.Response]]


def _bare() -> FastAPI:
    bare = FastAPI()

    @bare.get("/hello")
    async def hello() -> dict[str, str]:
        return {"hello": "world"}

    return bare


def _history(index: int, now_minute: int) -> list[Record]:
    """One beat a minute; every monitor has a short outage now and then."""
    start = bucket_start(utcnow(), HOUR) - timedelta(days=DAYS)
    records = []
    for minute in range(now_minute):
        down = (minute + index * 37) % 1440 < 3
        records.append(
            Record(
                start + timedelta(minutes=minute),
                Health.DOWN if down else Health.UP,
                None if down else float(20 + minute % 30),
            )
        )
    return records


async def _seed(app: FastAPI, monitors: int) -> int:
    """Monitors with 30 days of 1-minute history; returns the number of history rows."""
    sessions = app.state.container.sessions
    status: StatusCoordinator = app.state.container.status
    hold = status.policy.hold
    minutes = DAYS * 24 * 60
    rows = 0
    async with sessions.begin() as db:
        existing = len(list(await db.scalars(select(MonitoredService.id))))
    patterns: dict[int, tuple[list[Record], status_rollups.Pending]] = {}
    for index in range(existing, monitors):
        if index % PATTERNS not in patterns:
            records = _history(index % PATTERNS, minutes)
            pending = status_rollups.Pending()
            for previous, record in zip([None, *records], records, strict=False):
                pending.row_added(previous, record, hold)
            patterns[index % PATTERNS] = (records, pending)
        records, pending = patterns[index % PATTERNS]
        async with sessions.begin() as db:
            service = MonitoredService(
                source_key=f"kuma:{index + 1}",
                kuma_id=index + 1,
                name=f"Service {index + 1}",
                position=index,
                status=records[-1].status.value,
                since=records[-1].at,
                checked_at=records[-1].at,
                recorded_at=records[-1].at,
                created_at=records[0].at,
                ping_ms=records[-1].ping_ms,
                message="",
            )
            db.add(service)
            await db.flush()
            await status_rollups.write(db, service.id, pending)
            for chunk in range(0, len(records), 20_000):
                await db.execute(
                    insert(ServiceRecord),
                    [
                        {
                            "service_id": service.id,
                            "at": r.at,
                            "status": r.status.value,
                            "ping_ms": r.ping_ms,
                            "source": "poll",
                        }
                        for r in records[chunk : chunk + 20_000]
                    ],
                )
        rows += len(records)
    return rows


async def _token(app: FastAPI) -> str:
    async with app.state.container.sessions.begin() as db:
        admin = await db.scalar(select(User).where(User.username == "admin"))
        assert admin is not None
        made = await api_tokens.create(db, Actor.system(), admin.id, "bench")
    return made.secret


async def _ok(pending: Awaitable[httpx.Response]) -> httpx.Response:
    response = await pending
    if response.status_code != 200:
        raise RuntimeError(f"{response.request.url}: {response.status_code} {response.text[:200]}")
    return response


async def _concurrent(call: Call) -> tuple[float, list[float]]:
    """Requests per second and latencies of CONCURRENCY clients, PER_CLIENT requests each."""
    latencies: list[float] = []

    async def client() -> None:
        for _ in range(PER_CLIENT):
            started = time.perf_counter()
            await call()
            latencies.append((time.perf_counter() - started) * 1000)

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(CONCURRENCY)))
    return len(latencies) / (time.perf_counter() - started), latencies


async def _with_lag_probe(work: Awaitable[object], status: StatusCoordinator) -> float:
    """Runs ``work`` while rebuilding the board every 100 ms; the longest loop stall in ms."""
    longest = 0.0
    done = asyncio.Event()

    async def probe() -> None:
        nonlocal longest
        while not done.is_set():
            started = time.perf_counter()
            await asyncio.sleep(0.005)
            longest = max(longest, (time.perf_counter() - started) * 1000 - 5)

    async def rebuild() -> None:
        while not done.is_set():
            await status.board_changed()
            await asyncio.sleep(0.1)

    tasks = [asyncio.create_task(probe()), asyncio.create_task(rebuild())]
    try:
        await work
    finally:
        done.set()
        await asyncio.gather(*tasks)
    return longest


async def run() -> None:
    configure_logging("warning", "json")
    logging.getLogger("medianest.access").setLevel(logging.WARNING)
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(  # type: ignore[call-arg]
            _env_file=None,
            data_dir=Path(folder),
            embedded_worker=False,
            demo=False,
            admin_password=PASSWORD,
            uptime_kuma_url="http://127.0.0.1:9",  # configured, never polled
            uptime_kuma_slug="bench",
            status_poll_seconds=0,
        )
        await migrate.upgrade_url(settings.resolved_database_url)
        app = create_app(settings)
        async with LifespanManager(app, startup_timeout=60):
            status: StatusCoordinator = app.state.container.status
            token = await _token(app)
            api = httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app),
                base_url="http://medianest",
                headers={"Authorization": f"Bearer {token}"},
            )
            browser = httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://medianest"
            )
            await sign_in_local(browser, "admin", PASSWORD)
            bare = httpx.AsyncClient(
                transport=httpx.ASGITransport(app=_bare()), base_url="http://bare"
            )
            calls: dict[str, Call] = {
                "bare FastAPI /hello (baseline)": lambda: _ok(bare.get("/hello")),
                "/api/v1/services (bearer)": lambda: _ok(api.get("/api/v1/services")),
                "dashboard / (admin session)": lambda: _ok(browser.get("/")),
            }
            for monitors in SIZES:
                started = time.perf_counter()
                rows = await _seed(app, monitors)
                seeded = time.perf_counter() - started
                built = time.perf_counter()
                await status.board_changed()
                build_ms = (time.perf_counter() - built) * 1000
                print(
                    f"-- {monitors} monitors, {DAYS} days of 1-minute history"
                    f" (+{rows:,} rows, seeded in {seeded:.0f}s); board rebuilt in {build_ms:.1f} ms"
                )
                results = {label: await sample(call, runs=RUNS) for label, call in calls.items()}
                baseline = next(iter(results.values()))
                for label, values in results.items():
                    print(row(f"sequential: {label}", values, baseline))
                bare_rps, _ = await _concurrent(calls["bare FastAPI /hello (baseline)"])
                for label, call in list(calls.items())[1:]:
                    lag = 0.0

                    async def load(call: Call = call) -> tuple[float, list[float]]:
                        return await _concurrent(call)

                    task = asyncio.ensure_future(load())
                    lag = await _with_lag_probe(task, status)
                    rps, latencies = task.result()
                    print(
                        f"{CONCURRENCY} clients: {label:<32} {rps:7.0f} req/s"
                        f"  x{rps / bare_rps:.2f} of bare ({bare_rps:.0f} req/s)"
                        f"  median {statistics.median(latencies):6.1f} ms"
                        f"  p95 {p95(latencies):6.1f} ms  longest loop stall {lag:5.1f} ms"
                    )
            for client in (api, browser, bare):
                await client.aclose()


def main() -> None:
    asyncio.run(run())
