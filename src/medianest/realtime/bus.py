"""Event bus: fan-out to every subscriber in this process, relayed through Redis when configured.

Every published event gets an id ``<ms>-<seq>`` that is unique and increasing across the
deployment, and the bus keeps the last few minutes of events so that a browser reconnecting with
``Last-Event-ID`` (to this process or another) gets what it missed, or learns that it is gone.

With Redis, a published event goes only to a Redis stream (which gives the id and keeps the
history); each process reads the stream back and fans it out locally, so a worker's progress
reaches every web replica exactly once.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import time
import uuid
from collections import deque
from collections.abc import AsyncIterator, Callable
from typing import Any, Protocol

import redis.asyncio as aioredis

from medianest.domain.events import Event, EventOrder, event_id, event_order
from medianest.observability.logging import get_logger

log = get_logger(__name__)
SUBSCRIBER_BUFFER = 256
REPLAY_SECONDS = 300.0  # how far back a reconnecting browser is caught up
REPLAY_MAX_EVENTS = 20_000
READ_BLOCK_MS = 5_000


class Subscription:
    """One listener's queue. A slow listener loses its oldest events rather than blocking others;
    ``dropped`` tells it so (it can then catch up from the bus's history)."""

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
    def observe(self, observer: Callable[[Event], None]) -> None:
        """Calls ``observer`` with each event this process receives, before any subscriber."""
        ...

    async def ping(self) -> None: ...
    async def round_trip(self) -> str: ...
    async def since(self, last_id: str) -> list[Event] | None:
        """The events after ``last_id``, oldest first; None when some of them are no longer kept
        (or the id was never given by this deployment)."""
        ...

    async def head(self) -> str:
        """The id of the newest event (or of the start of the history when there is none)."""
        ...


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


class InProcessBus:
    def __init__(
        self, *, replay_seconds: float = REPLAY_SECONDS, clock: Callable[[], int] = _now_ms
    ) -> None:
        self._subscriptions: set[Subscription] = set()
        self._observers: list[Callable[[Event], None]] = []
        self._clock = clock
        self._replay_ms = int(replay_seconds * 1000)
        self._last: EventOrder = (clock(), 0)
        self._floor: EventOrder = self._last  # every event after this one is still kept
        self._history: deque[Event] = deque()

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        self._subscriptions.clear()

    async def ping(self) -> None:
        return None

    async def round_trip(self) -> str:
        """Proves events can travel: raises when they cannot; says which way they went."""
        return "in-process"

    def observe(self, observer: Callable[[Event], None]) -> None:
        self._observers.append(observer)

    def deliver(self, event: Event) -> None:
        for observer in self._observers:
            try:
                observer(event)
            except Exception:  # one broken observer must not stop live updates
                log.exception("event observer failed", event_type=event.type)
        for subscription in tuple(self._subscriptions):
            subscription.offer(event)

    async def publish(self, event: Event) -> None:
        self.deliver(self._remember(event))

    def _remember(self, event: Event) -> Event:
        now = self._clock()
        self._last = (now, 0) if now > self._last[0] else (self._last[0], self._last[1] + 1)
        stamped = dataclasses.replace(event, id=event_id(self._last))
        self._history.append(stamped)
        horizon = now - self._replay_ms
        while self._history and (
            self._history[0].order[0] < horizon or len(self._history) > REPLAY_MAX_EVENTS
        ):
            self._floor = self._history.popleft().order
        return stamped

    async def since(self, last_id: str) -> list[Event] | None:
        order = event_order(last_id)
        if order is None or order < self._floor or order > self._last:
            return None
        return [e for e in self._history if e.order > order]

    async def head(self) -> str:
        return event_id(self._last)

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
    """Events live in a Redis stream (``key``), trimmed to the replay window."""

    def __init__(self, url: str, key: str, *, replay_seconds: float = REPLAY_SECONDS) -> None:
        super().__init__(replay_seconds=replay_seconds)
        self._redis: aioredis.Redis = aioredis.from_url(url)
        self._reader: aioredis.Redis = aioredis.from_url(url)  # holds one blocking read
        self._key = key
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
        await self._reader.aclose()
        await super().close()

    async def ping(self) -> None:
        await self._redis.ping()

    async def round_trip(self) -> str:
        """An entry written to Redis and read back (on a probe stream next to the events), and
        this process's listener still reading: what every live update relies on."""
        if self._listener is None or self._listener.done() or not self._ready.is_set():
            raise RuntimeError("this process is not listening to Redis")
        token = uuid.uuid4().hex
        probe = f"{self._key}:probe"
        started = time.perf_counter()
        entry = await self._redis.xadd(probe, {"token": token}, maxlen=10, approximate=True)
        await self._redis.expire(probe, 60)
        found: Any = await self._redis.xrange(probe, min=entry, max=entry)
        if not found or _text(found[0][1].get(b"token", found[0][1].get("token", ""))) != token:
            raise RuntimeError("Redis did not give back what was written")
        return f"Redis, round trip {(time.perf_counter() - started) * 1000:.0f} ms"

    async def publish(self, event: Event) -> None:
        horizon = max(_now_ms() - self._replay_ms, 0)
        await self._redis.xadd(
            self._key,
            {"event": event.to_json()},
            minid=f"{horizon}-0",
            approximate=True,
        )

    async def since(self, last_id: str) -> list[Event] | None:
        order = event_order(last_id)
        if order is None:
            return None
        try:
            info: dict[str, Any] = await self._redis.xinfo_stream(self._key)
        except aioredis.ResponseError:  # no stream: nothing kept (Redis lost it, or never any)
            return None
        if order > (event_order(_text(info.get("last-generated-id", ""))) or (0, 0)):
            return None
        if not _kept_after(info, order):
            return None
        entries: Any = await self._redis.xrange(
            self._key, min=f"({event_id(order)}", count=REPLAY_MAX_EVENTS
        )
        return [e for e in (self._decode(i, f) for i, f in entries) if e is not None]

    async def head(self) -> str:
        try:
            info = await self._redis.xinfo_stream(self._key)
        except aioredis.ResponseError:
            return "0-0"
        return _text(info.get("last-generated-id", "0-0"))

    async def _listen(self) -> None:
        backoff = 0.5
        position: str | None = None
        while True:
            try:
                if position is None:
                    position = await self._tail()
                self._ready.set()
                backoff = 0.5
                while True:
                    found: Any = await self._reader.xread(
                        {self._key: position}, block=READ_BLOCK_MS, count=500
                    )
                    for _stream, entries in found:
                        for raw_id, fields in entries:
                            position = _text(raw_id)
                            event = self._decode(raw_id, fields)
                            if event is not None:
                                self.deliver(event)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # Redis restarts must not end live updates for good.
                log.warning("event bus lost redis, retrying", error=str(exc), retry_in=backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 10.0)

    async def _tail(self) -> str:
        """Where this process starts reading: after the newest event already in the stream."""
        entries: Any = await self._reader.xrevrange(self._key, count=1)
        return _text(entries[0][0]) if entries else "0-0"

    def _decode(self, raw_id: Any, fields: Any) -> Event | None:
        try:
            return Event.from_json(fields[b"event"], event_id=_text(raw_id))
        except (ValueError, KeyError, TypeError):
            log.warning("event bus dropped a malformed message")
            return None


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _kept_after(info: dict[str, Any], order: EventOrder) -> bool:
    """True when no event after ``order`` can have been trimmed from the stream: nothing came
    after it, or it (or an older event) is still there. Trimming leaves no other trace."""
    if (event_order(_text(info.get("last-generated-id", ""))) or (0, 0)) == order:
        return True
    deleted = info.get("max-deleted-entry-id")  # set by explicit deletions
    if deleted is not None and (event_order(_text(deleted)) or (0, 0)) > order:
        return False
    first: Any = info.get("first-entry")
    return bool(first) and (event_order(_text(first[0])) or (0, 0)) <= order
