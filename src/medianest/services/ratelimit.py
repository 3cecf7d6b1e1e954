"""Rate limits (the `limits` library): in memory in one process, in Redis when configured."""

from __future__ import annotations

import math
import time

from limits import RateLimitItem, RateLimitItemPerMinute
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter


class Limiter:
    def __init__(self, storage: Storage) -> None:
        self._storage = storage
        self._limiter = MovingWindowRateLimiter(storage)

    @classmethod
    def in_memory(cls) -> Limiter:
        return cls(MemoryStorage())

    @classmethod
    def redis(cls, url: str, namespace: str) -> Limiter:
        uri = "async+" + url if not url.startswith("async+") else url
        return cls(RedisStorage(uri, implementation="redispy", key_prefix=f"{namespace}:limits"))

    async def retry_after(self, rule: RateLimitItem, *keys: str) -> int | None:
        """Seconds until one more hit is allowed, or None when it is allowed now."""
        if await self._limiter.test(rule, *keys):
            return None
        stats = await self._limiter.get_window_stats(rule, *keys)
        return max(1, math.ceil(stats.reset_time - time.time()))

    async def hit(self, rule: RateLimitItem, *keys: str) -> bool:
        """Counts one hit; False when it went over the limit."""
        return await self._limiter.hit(rule, *keys)

    async def clear(self, rule: RateLimitItem, *keys: str) -> None:
        await self._limiter.clear(rule, *keys)


def per_minutes(amount: int, minutes: int) -> RateLimitItem:
    return RateLimitItemPerMinute(amount, minutes)


class _AdjustableItem(RateLimitItemPerMinute):
    """Its storage key leaves out the amount, so a limit the admin changes keeps its count."""

    def key_for(self, *identifiers: bytes | str | int | float) -> str:
        parts = [str(k) for k in identifiers] + [str(self.multiples), self.GRANULARITY.name]
        return f"{self.namespace}/{'/'.join(parts)}/adjustable"


def adjustable_per_minutes(amount: int, minutes: int) -> RateLimitItem:
    """Like :func:`per_minutes`, for limits read live: lowering the amount mid-window counts
    the hits already made (the key of :func:`per_minutes` would start again from zero)."""
    return _AdjustableItem(amount, minutes)
