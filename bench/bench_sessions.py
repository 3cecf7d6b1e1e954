"""What a database session that reads one row costs on SQLite: MediaNest's engine against the same
pool and database file with SQLAlchemy's stock aiosqlite driver (the baseline), in one run.

Each aiosqlite call is a hop to the connection's own thread and back; the bench counts them per
session (a separate, counted pass) and times sessions sequentially and with 50 at once sharing
the 15-connection pool, for a session that only reads and one opened with ``begin()``.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import aiosqlite
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.ext.asyncio import create_async_engine as stock_engine

from bench.stats import row, sample
from medianest.persistence.engine import (
    SQLITE_MAX_OVERFLOW,
    SQLITE_POOL_SIZE,
    create_engine,
    session_factory,
)
from medianest.persistence.pool import FairAsyncPool

RUNS = 3000
ROUNDS = 3
CONCURRENCY = 50
PER_CLIENT = 60
READ = text("SELECT name FROM visitors WHERE id = 1")

Sessions = async_sessionmaker[AsyncSession]


async def _read(sessions: Sessions) -> None:
    async with sessions() as db:
        (await db.execute(READ)).scalar_one()


async def _read_in_begin(sessions: Sessions) -> None:
    async with sessions.begin() as db:
        (await db.execute(READ)).scalar_one()


@contextmanager
def _counting_hops() -> Iterator[Counter[str]]:
    """Counts the calls queued to aiosqlite connection threads, by what they run."""
    hops: Counter[str] = Counter()
    queued = aiosqlite.Connection._execute

    async def counted(self: aiosqlite.Connection, fn: Any, *args: Any, **kwargs: Any) -> Any:
        hops[getattr(fn, "__name__", "call")] += 1
        return await queued(self, fn, *args, **kwargs)

    aiosqlite.Connection._execute = counted  # type: ignore[method-assign]
    try:
        yield hops
    finally:
        aiosqlite.Connection._execute = queued  # type: ignore[method-assign]


async def _hops(sessions: Sessions, read: Callable[[Sessions], Awaitable[None]]) -> str:
    runs = 100
    await read(sessions)  # the pool's connection is opened before counting
    with _counting_hops() as hops:
        for _ in range(runs):
            await read(sessions)
    each = ", ".join(f"{name} {count / runs:g}" for name, count in sorted(hops.items()))
    return f"{sum(hops.values()) / runs:g} hops ({each})"


async def _crowd(
    sessions: Sessions, read: Callable[[Sessions], Awaitable[None]]
) -> tuple[float, float]:
    """Milliseconds per session with CONCURRENCY clients reading at once: wall time, and CPU
    time of the whole process (event loop and connection threads), which other processes'
    load disturbs less."""

    async def client() -> None:
        for _ in range(PER_CLIENT):
            await read(sessions)

    started, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(client() for _ in range(CONCURRENCY)))
    sessions_run = CONCURRENCY * PER_CLIENT
    return (
        (time.perf_counter() - started) * 1000 / sessions_run,
        (time.process_time() - cpu) * 1000 / sessions_run,
    )


def _engines(url: str) -> dict[str, AsyncEngine]:
    # The file is in WAL mode already (MediaNest's engine set it), and nobody writes during
    # the bench, so the stock engine differs only in its driver.
    stock = stock_engine(
        url,
        poolclass=FairAsyncPool,
        pool_size=SQLITE_POOL_SIZE,
        max_overflow=SQLITE_MAX_OVERFLOW,
        connect_args={"timeout": 30},
    )
    return {"stock aiosqlite (baseline)": stock, "MediaNest": create_engine(url)}


async def run() -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
        setup = create_engine(url)
        async with setup.begin() as conn:
            await conn.execute(text("CREATE TABLE visitors (id INTEGER PRIMARY KEY, name TEXT)"))
            await conn.execute(text("INSERT INTO visitors (name) VALUES ('ada')"))
        await setup.dispose()
        engines = _engines(url)
        kinds = {"read-only session": _read, "read in begin()": _read_in_begin}
        sequential: dict[str, list[float]] = {}
        crowd: dict[str, list[tuple[float, float]]] = {}
        for label, engine in engines.items():
            sessions = session_factory(engine)
            for kind, read in kinds.items():
                print(f"{label}, {kind}: {await _hops(sessions, read)} per session")
        for _ in range(ROUNDS):  # alternate engines so drift in machine load hits both alike
            for label, engine in engines.items():
                sessions = session_factory(engine)
                for kind, read in kinds.items():
                    name = f"{label}, {kind}"
                    sequential.setdefault(name, []).extend(
                        await sample(lambda s=sessions, r=read: r(s), runs=RUNS // ROUNDS)
                    )
                    crowd.setdefault(name, []).append(await _crowd(sessions, read))
        for engine in engines.values():
            await engine.dispose()
    print("sequential, per session:")
    for name, values in sequential.items():
        baseline = sequential[name.replace("MediaNest", "stock aiosqlite (baseline)")]
        print(row(name, values, baseline if values is not baseline else None))
    print(f"{CONCURRENCY} at once on {SQLITE_POOL_SIZE} connections, per session:")
    for name, values in crowd.items():
        base = crowd[name.replace("MediaNest", "stock aiosqlite (baseline)")]
        wall, cpu = (statistics.median(v[i] for v in values) for i in (0, 1))
        base_wall, base_cpu = (statistics.median(v[i] for v in base) for i in (0, 1))
        print(
            f"{name:<44} wall {wall:6.3f} ms x{wall / base_wall:.2f}"
            f"   CPU {cpu:6.3f} ms x{cpu / base_cpu:.2f} of baseline"
        )


def main() -> None:
    asyncio.run(run())
