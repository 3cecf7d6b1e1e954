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


async def test_each_event_gets_a_unique_increasing_id_and_the_bus_remembers_recent_ones() -> None:
    now = [1_000_000]
    bus = InProcessBus(replay_seconds=60, clock=lambda: now[0])
    start = await bus.head()
    async with bus.subscribe() as browser:
        for n in range(5):
            await bus.publish(Event("tick", {"n": n}))
        got = [await asyncio.wait_for(browser.get(), 1) for _ in range(5)]
    ids = [e.id for e in got]
    assert len(set(ids)) == 5 and [e.order for e in got] == sorted(e.order for e in got)
    missed = await bus.since(ids[1])
    assert missed is not None and [e.data["n"] for e in missed] == [2, 3, 4]
    assert await bus.since(ids[-1]) == []
    assert [e.id for e in await bus.since(start) or []] == ids
    now[0] += 61_000  # a minute later the first five are forgotten
    await bus.publish(Event("tick", {"n": 5}))
    assert await bus.since(ids[1]) is None  # what came after it is gone: the browser reloads
    assert [e.data["n"] for e in await bus.since(ids[-1]) or []] == [5]  # nothing lost after
    assert await bus.since("not-an-id") is None
    assert await bus.since("1-0") is None  # from before this process started


async def test_ids_are_ordered_across_processes_and_any_process_can_replay_them(
    redis_url: str,
) -> None:
    key = f"{backends.redis_namespace()}:events-replay"
    web, worker = RedisBus(redis_url, key), RedisBus(redis_url, key)
    await web.start()
    await worker.start()
    try:
        async with web.subscribe() as browser:
            for n in range(6):
                await (web if n % 2 else worker).publish(Event("tick", {"n": n}))
            got = [await asyncio.wait_for(browser.get(), 5) for _ in range(6)]
        assert [e.data["n"] for e in got] == list(range(6))
        assert [e.order for e in got] == sorted({e.order for e in got})
        missed = await worker.since(got[2].id)
        assert missed is not None and [e.data["n"] for e in missed] == [3, 4, 5]
        assert await web.since(got[-1].id) == []
        assert await web.since("not-an-id") is None
        assert await web.since("99999999999999-0") is None  # never given by this deployment
    finally:
        await web.close()
        await worker.close()
        backends.purge_redis_namespace(redis_url, key)


async def test_a_trimmed_redis_history_answers_none_not_a_gap(redis_url: str) -> None:
    key = f"{backends.redis_namespace()}:events-trim"
    bus = RedisBus(redis_url, key, replay_seconds=0)  # keeps nothing older than now
    await bus.start()
    try:
        async with bus.subscribe() as browser:
            await bus.publish(Event("tick", {"n": 0}))
            first = await asyncio.wait_for(browser.get(), 5)
            await bus.publish(Event("tick", {"n": 1}))
            assert await bus.since(first.id) is not None  # Redis trims whole blocks, not yet
            for n in range(1000):  # each publish trims what came before, block by block
                await bus.publish(Event("tick", {"n": n}))
                if await bus.since(first.id) is None:
                    break
        assert await bus.since(first.id) is None
    finally:
        await bus.close()
        backends.purge_redis_namespace(redis_url, key)
