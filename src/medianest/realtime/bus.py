"""Event bus: fan-out to every subscriber in this process, relayed through Redis when configured.

With Redis, a published event goes only to Redis; each process's listener receives it back and
fans it out locally, so a worker's progress reaches every web replica exactly once.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator
from typing import Protocol

import redis.asyncio as aioredis

from medianest.domain.events import Event
from medianest.observability.logging import get_logger

log = get_logger(__name__)
SUBSCRIBER_BUFFER = 256


class Subscription:
    """One listener's queue. A slow listener loses its oldest events rather than blocking others."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[Event] = asyncio.Queue(maxsize=SUBSCRIBER_BUFFER)
        self.dropped = 0

    def offer(self, event: Event) -> None:
        if self.queue.full():
            self.queue.get_nowait()
            self.dropped += 1
        self.queue.put_nowait(event)

    async def get(self) -> Event:
        return await self.queue.get()

    def __aiter__(self) -> AsyncIterator[Event]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[Event]:
        while True:
            yield await self.queue.get()


class EventBus(Protocol):
    async def start(self) -> None: ...
    async def close(self) -> None: ...
    async def publish(self, event: Event) -> None: ...
    def subscribe(self) -> contextlib.AbstractAsyncContextManager[Subscription]: ...
    async def ping(self) -> None: ...
    async def round_trip(self) -> str: ...


class InProcessBus:
    def __init__(self) -> None:
        self._subscriptions: set[Subscription] = set()

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        self._subscriptions.clear()

    async def ping(self) -> None:
        return None

    async def round_trip(self) -> str:
        """Proves events can travel: raises when they cannot; says which way they went."""
        return "in-process"

    def deliver(self, event: Event) -> None:
        for subscription in tuple(self._subscriptions):
            subscription.offer(event)

    async def publish(self, event: Event) -> None:
        self.deliver(event)

    @contextlib.asynccontextmanager
    async def subscribe(self) -> AsyncIterator[Subscription]:
        subscription = Subscription()
        self._subscriptions.add(subscription)
        try:
            yield subscription
        finally:
            self._subscriptions.discard(subscription)

    @property
    def subscriber_count(self) -> int:
        return len(self._subscriptions)


class RedisBus(InProcessBus):
    def __init__(self, url: str, channel: str) -> None:
        super().__init__()
        self._redis: aioredis.Redis = aioredis.from_url(url)
        self._channel = channel
        self._listener: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()

    async def start(self) -> None:
        self._listener = asyncio.create_task(self._listen(), name="event-bus-listener")
        await asyncio.wait_for(self._ready.wait(), timeout=10)

    async def close(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
        await self._redis.aclose()
        await super().close()

    async def ping(self) -> None:
        await self._redis.ping()

    async def round_trip(self) -> str:
        """A message published to Redis and received back on a probe channel of this bus, and
        this process's listener still subscribed: what every live update relies on."""
        if self._listener is None or self._listener.done() or not self._ready.is_set():
            raise RuntimeError("this process is not listening to Redis")
        token = uuid.uuid4().hex
        probe = f"{self._channel}:probe:{token}"
        started = time.perf_counter()
        async with self._redis.pubsub(ignore_subscribe_messages=True) as pubsub:
            await pubsub.subscribe(probe)
            await self._redis.publish(probe, token)
            while True:
                message = await pubsub.get_message(timeout=1.0)
                if message is not None and message.get("data") in (token, token.encode()):
                    break
        return f"Redis pub/sub, round trip {(time.perf_counter() - started) * 1000:.0f} ms"

    async def publish(self, event: Event) -> None:
        await self._redis.publish(self._channel, event.to_json())

    async def _listen(self) -> None:
        backoff = 0.5
        while True:
            try:
                async with self._redis.pubsub(ignore_subscribe_messages=True) as pubsub:
                    await pubsub.subscribe(self._channel)
                    self._ready.set()
                    backoff = 0.5
                    async for message in pubsub.listen():
                        if message.get("type") == "message":
                            self._deliver_raw(message["data"])
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # Redis restarts must not end live updates for good.
                log.warning("event bus lost redis, retrying", error=str(exc), retry_in=backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 10.0)

    def _deliver_raw(self, raw: bytes | str) -> None:
        try:
            event = Event.from_json(raw)
        except (ValueError, KeyError, TypeError):
            log.warning("event bus dropped a malformed message")
            return
        self.deliver(event)
