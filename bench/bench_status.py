"""The status board with many monitors and a long history: ``/api/v1/services`` (bearer token)
and the dashboard page (admin session), next to a bare FastAPI endpoint in the same run.

Each size (7 and 100 monitors) gets 30 days of 1-minute history: the raw rows are bulk-inserted
and their rollups written by MediaNest's own rollup writer. All apps run in-process over the
ASGI transport (no load generator here), so figures are per-request costs: sequential medians,
and 50 concurrent clients for throughput and p95. The loop is then watched while the board is
rebuilt every 100 ms, with no requests, then under each load: a probe task sleeping 5 ms notes
how late it wakes (p99 and max lag: everything that held the loop, the 50 clients' queue and a
loaded machine's preemption included), and every loop step is timed in the loop thread's CPU
time, by task, which names what held the loop and is what the 20 ms goal is checked against.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial
from pathlib import Path

import httpx
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from sqlalchemy import insert, select, text
from tests.support.signin import sign_in_local

from bench.stats import p95, row, sample
from medianest.app import create_app
from medianest.config import Settings
from medianest.domain.health import HOUR, Health, Record, bucket_start
from medianest.domain.users import Actor
from medianest.observability.heap import settle_after_startup
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
REBUILD_EVERY = 0.1  # seconds between forced board rebuilds while the loop is watched
LAG_TICK = 0.005  # seconds the lag probe sleeps each time
LAG_GOAL_MS = 20.0
PATTERNS = 5  # distinct histories (outages at different times), shared to seed faster
# pattern -> (its records, or only the first and last once written; how many; rollups; its monitor)
_PATTERNS: dict[int, tuple[list[Record], int, status_rollups.Pending, int | None]] = {}
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
    for index in range(existing, monitors):
        pattern = index % PATTERNS
        if pattern not in _PATTERNS:
            records = _history(pattern, minutes)
            pending = status_rollups.Pending()
            for previous, record in zip([None, *records], records, strict=False):
                pending.row_added(previous, record, hold)
            _PATTERNS[pattern] = (records, len(records), pending, None)
        records, count, pending, source_id = _PATTERNS[pattern]
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
            if source_id is not None:  # the same history as an earlier monitor: copied in SQL
                await db.execute(
                    text(
                        "INSERT INTO service_history (service_id, at, status, ping_ms, source)"
                        " SELECT :new, at, status, ping_ms, source FROM service_history"
                        " WHERE service_id = :old"
                    ),
                    {"new": service.id, "old": source_id},
                )
                rows += count
                continue
            # The bench's own objects left out of the loop's measure: collections traverse them.
            _PATTERNS[pattern] = ([records[0], records[-1]], count, pending, service.id)
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
        rows += count
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
            await asyncio.sleep(0)  # a real client's next request comes over the network

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(CONCURRENCY)))
    return len(latencies) / (time.perf_counter() - started), latencies


@dataclass
class _Lag:
    """How late a task that keeps sleeping LAG_TICK wakes up: what any request or timer waits
    behind whatever holds the loop (MediaNest's work, the in-process clients, preemption)."""

    late_ms: list[float] = field(default_factory=list)

    async def watch(self, done: asyncio.Event) -> None:
        while not done.is_set():
            started = time.perf_counter()
            await asyncio.sleep(LAG_TICK)
            self.late_ms.append(max(0.0, (time.perf_counter() - started - LAG_TICK) * 1000))

    def summary(self) -> str:
        p99 = statistics.quantiles(self.late_ms, n=100, method="inclusive")[98]
        return f"lag p99 {p99:.1f} ms, max {max(self.late_ms):.1f} ms ({len(self.late_ms)} ticks)"


def _task_name(handle: asyncio.Handle) -> str:
    """The coroutine a loop step ran, e.g. ``_concurrent.<locals>.client`` for a request."""
    task = getattr(getattr(handle, "_callback", None), "__self__", None)
    if isinstance(task, asyncio.Task):
        return str(getattr(task.get_coro(), "__qualname__", "?"))
    return str(getattr(handle, "_callback", "?"))[:60]


@dataclass
class _Steps:
    """The longest loop step of each task (by name), in the loop thread's CPU time, which the
    other processes of a loaded machine do not inflate (the lag probe's wall time includes them).
    Times every ``Handle._run`` of the loop while inside ``with``: a bench-only instrument."""

    longest: dict[str, float] = field(default_factory=dict)
    collections: list[float] = field(default_factory=list)  # full (gen 2) collections, ms
    _collecting: float = 0.0

    def _collection(self, phase: str, info: dict[str, int]) -> None:
        if info["generation"] != 2:
            return
        if phase == "start":
            self._collecting = time.thread_time()
        else:
            self.collections.append((time.thread_time() - self._collecting) * 1000)

    def __enter__(self) -> _Steps:
        self._original = original = asyncio.events.Handle._run
        longest = self.longest
        gc.callbacks.append(self._collection)

        def timed(handle: asyncio.Handle) -> None:
            started = time.thread_time()
            try:
                original(handle)
            finally:
                spent = (time.thread_time() - started) * 1000
                if spent > 1.0:
                    name = _task_name(handle)
                    longest[name] = max(spent, longest.get(name, 0.0))

        asyncio.events.Handle._run = timed  # type: ignore[method-assign]
        return self

    def __exit__(self, *_: object) -> None:
        asyncio.events.Handle._run = self._original  # type: ignore[method-assign]
        gc.callbacks.remove(self._collection)

    def summary(self) -> str:
        worst = sorted(self.longest.items(), key=lambda item: -item[1])[:3]
        named = ", ".join(f"{name} {ms:.1f} ms" for name, ms in worst) or "none over 1 ms"
        verdict = "met" if not worst or worst[0][1] <= LAG_GOAL_MS else "NOT met"
        full = f"{len(self.collections)} full collections"
        if self.collections:
            full += f", longest {max(self.collections):.1f} ms"
        return f"longest step (CPU): {named} ({full}) -> {LAG_GOAL_MS:.0f} ms goal {verdict}"


async def _under_rebuilds(work: Awaitable[object], status: StatusCoordinator) -> None:
    """Runs ``work`` while the board is invalidated and rebuilt every REBUILD_EVERY seconds."""
    done = asyncio.Event()

    async def rebuild() -> None:
        while not done.is_set():
            await status.board_changed()
            await asyncio.sleep(REBUILD_EVERY)

    task = asyncio.create_task(rebuild())
    try:
        await work
    finally:
        done.set()
        await task


async def _loop_watch(load: Callable[[], Awaitable[object]], status: StatusCoordinator) -> str:
    """The loop's lag and its longest steps while ``load`` runs and the board is rebuilt
    over and over."""
    probe, done = _Lag(), asyncio.Event()
    with _Steps() as steps:
        watcher = asyncio.create_task(probe.watch(done))
        try:
            await _under_rebuilds(load(), status)
        finally:
            done.set()
            await watcher
    return f"{probe.summary()}; {steps.summary()}"


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
                # What a server started on this database holds: seeding's leftovers (millions
                # of rows went through this process) kept out of the collector's way again.
                settle_after_startup()
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

                    async def load(call: Call = call) -> tuple[float, list[float]]:
                        return await _concurrent(call)

                    rps, latencies = await load()
                    print(
                        f"{CONCURRENCY} clients: {label:<32} {rps:7.0f} req/s"
                        f"  x{rps / bare_rps:.2f} of bare ({bare_rps:.0f} req/s)"
                        f"  median {statistics.median(latencies):6.1f} ms"
                        f"  p95 {p95(latencies):6.1f} ms"
                    )
                loads: dict[str, Callable[[], Awaitable[object]]] = {
                    "no requests": partial(asyncio.sleep, 3),
                    **{label: partial(_concurrent, calls[label]) for label in list(calls)[1:]},
                }
                for label, work in loads.items():
                    watched = await _loop_watch(work, status)
                    print(f"loop, board rebuilt every 100 ms + {label}: {watched}")
            for client in (api, browser, bare):
                await client.aclose()


def main() -> None:
    asyncio.run(run())
