"""The database pool under a crowd: a fixed set of SQLite connections, reused, and a request
waiting for one is served in arrival order instead of losing it to later arrivals until the
pool timeout fails it."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.util import greenlet_spawn
from sqlalchemy.util.queue import Empty

from medianest.persistence.engine import SQLITE_POOL_SIZE, create_engine
from medianest.persistence.pool import FairAsyncPool, FairAsyncQueue
from tests.support.waiting import wait_for


def _waiting(queue: FairAsyncQueue[str], count: int) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        return queue.waiting == count

    return check


def _count_connects(engine: AsyncEngine) -> list[int]:
    opened = [0]

    def connected(*_: object) -> None:
        opened[0] += 1

    event.listen(engine.sync_engine, "connect", connected)
    return opened


async def test_a_burst_of_readers_and_writers_reuses_a_fixed_set_of_connections(
    tmp_path: Path,
) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'pool.db'}")
    opened = _count_connects(engine)
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE visits (id INTEGER PRIMARY KEY, who TEXT)"))

    async def visit(n: int) -> None:
        async with engine.begin() as conn:
            await conn.execute(text("SELECT count(*) FROM visits"))
            await asyncio.sleep(0)  # other visitors check out connections meanwhile
            await conn.execute(text("INSERT INTO visits (who) VALUES (:who)"), {"who": str(n)})

    try:
        await asyncio.gather(*(visit(n) for n in range(SQLITE_POOL_SIZE * 5)))
        after_first_burst = opened[0]
        await asyncio.gather(*(visit(n) for n in range(SQLITE_POOL_SIZE * 5)))
        async with engine.connect() as conn:
            visits = (await conn.execute(text("SELECT count(*) FROM visits"))).scalar_one()
    finally:
        await engine.dispose()
    assert visits == SQLITE_POOL_SIZE * 10  # every write waited its turn, none failed
    assert after_first_burst <= SQLITE_POOL_SIZE
    assert opened[0] == after_first_burst  # the second burst opened no new connection


async def test_a_returned_connection_goes_to_the_oldest_waiter_not_a_newcomer() -> None:
    queue: FairAsyncQueue[str] = FairAsyncQueue(maxsize=1)
    waiter = asyncio.ensure_future(greenlet_spawn(queue.get, True, None))
    await wait_for(_waiting(queue, 1))
    queue.put_nowait("connection")
    with pytest.raises(Empty):  # a newcomer arriving now finds nothing free
        queue.get(block=False)
    assert await waiter == "connection"


async def test_a_waiter_that_is_cancelled_after_the_handover_passes_the_connection_on() -> None:
    queue: FairAsyncQueue[str] = FairAsyncQueue(maxsize=1)
    first = asyncio.ensure_future(greenlet_spawn(queue.get, True, None))
    await wait_for(_waiting(queue, 1))
    second = asyncio.ensure_future(greenlet_spawn(queue.get, True, None))
    await wait_for(_waiting(queue, 2))
    queue.put_nowait("connection")  # handed to the first waiter...
    first.cancel()  # ...whose request is cancelled before it runs again
    assert await second == "connection"
    assert first.cancelled()


async def test_a_checkout_waits_in_line_then_times_out_cleanly(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'pool.db'}")
    pool = engine.sync_engine.pool
    assert isinstance(pool, FairAsyncPool)
    pool._timeout = 0.01  # the failure path, not a race
    held: list[AsyncConnection] = []
    try:
        for _ in range(SQLITE_POOL_SIZE):
            held.append(await engine.connect())
        with pytest.raises(PoolTimeout):
            await engine.connect()
        await held.pop().close()
        async with engine.connect() as conn:  # nothing was left behind by the timed-out waiter
            assert (await conn.execute(text("SELECT 1"))).scalar_one() == 1
    finally:
        for conn in held:
            await conn.close()
        await engine.dispose()
