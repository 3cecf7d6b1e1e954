"""Live updates fan out to every listener: in one process, and across processes through Redis."""

from __future__ import annotations

import asyncio

from medianest.domain.events import Event
from medianest.realtime.bus import InProcessBus, RedisBus
from tests.support import backends


async def test_in_process_bus_delivers_to_every_subscriber() -> None:
    bus = InProcessBus()
    await bus.start()
    async with bus.subscribe() as first, bus.subscribe() as second:
        await bus.publish(Event("service.status", {"name": "Plex", "status": "down"}))
        got = [await asyncio.wait_for(s.get(), 1) for s in (first, second)]
    assert [e.data["status"] for e in got] == ["down", "down"]
    assert bus.subscriber_count == 0  # leaving the context unsubscribes


async def test_slow_subscriber_loses_oldest_events_not_the_publisher() -> None:
    bus = InProcessBus()
    async with bus.subscribe() as slow:
        for n in range(300):
            await bus.publish(Event("tick", {"n": n}))
        first = await slow.get()
    assert first.data["n"] == 300 - slow.queue.maxsize
    assert slow.dropped == 300 - slow.queue.maxsize


async def test_events_cross_between_two_bus_instances_over_redis(redis_url: str) -> None:
    channel = f"{backends.redis_namespace()}:events-test"
    web, worker = RedisBus(redis_url, channel), RedisBus(redis_url, channel)
    await web.start()
    await worker.start()
    try:
        async with web.subscribe() as browser_a, worker.subscribe() as browser_b:
            await worker.publish(Event("download.progress", {"percent": 42}, audience="user:7"))
            received = [await asyncio.wait_for(s.get(), 5) for s in (browser_a, browser_b)]
            assert [e.data["percent"] for e in received] == [42, 42]
            assert received[0].audience == "user:7"
            # Exactly once: a later event comes next, with no copy of the first in between.
            await worker.publish(Event("download.progress", {"percent": 43}, audience="user:7"))
            after = [await asyncio.wait_for(s.get(), 5) for s in (browser_a, browser_b)]
            assert [e.data["percent"] for e in after] == [43, 43]
    finally:
        await web.close()
        await worker.close()


def test_event_audience_rules() -> None:
    everyone = Event("x", {})
    admins = Event("x", {}, audience="admins")
    alice = Event("x", {}, audience="user:2")
    assert everyone.visible_to(None, False)
    assert admins.visible_to(1, True) and not admins.visible_to(2, False)
    assert alice.visible_to(2, False) and not alice.visible_to(3, True)
