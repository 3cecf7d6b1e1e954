"""A connection pool that serves waiting requests in arrival order.

SQLAlchemy's asyncio pool puts a returned connection back in its queue and wakes the oldest
waiter, but a request arriving before that waiter runs takes the connection first; the robbed
waiter goes to the back of the line. Under steady load a few unlucky requests lose that race
again and again until the pool timeout (30 s) fails them. Here a returned connection is handed
straight to the oldest waiter, so nobody waits longer than the requests ahead of them.
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Any, TypeVar

from sqlalchemy.pool import AsyncAdaptedQueuePool, ConnectionPoolEntry
from sqlalchemy.util import await_
from sqlalchemy.util.queue import AsyncAdaptedQueue, Empty

from medianest.persistence.timing import add_pool_wait

Item = TypeVar("Item")


class FairAsyncQueue(AsyncAdaptedQueue[Item]):
    """First come, first served: an item put while someone waits goes to the oldest waiter."""

    def __init__(self, maxsize: int = 0, use_lifo: bool = False) -> None:
        super().__init__(maxsize, use_lifo)
        self._waiters: deque[asyncio.Future[Item]] = deque()

    def put_nowait(self, item: Item) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(item)
                return
        super().put_nowait(item)

    def put(self, item: Item, block: bool = True, timeout: float | None = None) -> None:
        self.put_nowait(item)  # the pool never holds more connections than its queue size

    def get(self, block: bool = True, timeout: float | None = None) -> Item:
        if not block or not self._waiters:
            try:
                return self.get_nowait()
            except Empty:
                if not block:
                    raise
        return await_(self._wait(seconds=timeout))

    async def _wait(self, *, seconds: float | None) -> Item:
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[Item] = loop.create_future()
        self._waiters.append(waiter)
        timer = None
        queued = loop.time()
        if seconds is not None:
            timer = loop.call_later(seconds, _expire, waiter)
        try:
            return await waiter
        except BaseException:
            if waiter.done() and not waiter.cancelled() and waiter.exception() is None:
                self.put_nowait(waiter.result())  # handed over as we were cancelled: pass it on
            raise
        finally:
            add_pool_wait(loop.time() - queued)
            if timer is not None:
                timer.cancel()
            if waiter in self._waiters:
                self._waiters.remove(waiter)

    @property
    def waiting(self) -> int:
        """How many checkouts are waiting for a connection."""
        return sum(1 for waiter in self._waiters if not waiter.done())


def _expire(waiter: asyncio.Future[Any]) -> None:
    if not waiter.done():
        waiter.set_exception(Empty())


class FairAsyncPool(AsyncAdaptedQueuePool):
    """:class:`AsyncAdaptedQueuePool` with first-come, first-served checkouts."""

    _queue_class = FairAsyncQueue[ConnectionPoolEntry]
