"""One live stream over the in-process bus: a browser that falls behind gets the gap refilled
from the bus's history, in order and once; a session that runs out ends the stream."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from medianest.domain.events import Event
from medianest.realtime.bus import SUBSCRIBER_BUFFER, InProcessBus
from medianest.realtime.sse import Audience, event_stream
from tests.support.waiting import wait_for

ADMIN = Audience(1, True)


async def _still_admin(fresh: bool) -> Audience | None:
    return ADMIN


async def test_a_browser_that_falls_behind_gets_every_event_once_in_order() -> None:
    bus = InProcessBus()
    stream = event_stream(bus, ADMIN, recheck=_still_admin)
    assert (await anext(stream))["event"] == "hello"
    pending = asyncio.ensure_future(anext(stream))  # subscribed, waiting for the first event

    async def subscribed() -> bool:
        return bus.subscriber_count == 1

    await wait_for(subscribed, timeout=5, interval=0.001)
    total = SUBSCRIBER_BUFFER * 3  # far more than the browser's queue holds
    for n in range(total):
        await bus.publish(Event("tick", {"n": n}))
    got: list[dict[str, Any]] = [await pending]
    while len(got) < total:
        got.append(await asyncio.wait_for(anext(stream), 5))
    await stream.aclose()
    assert [json.loads(m["data"])["data"]["n"] for m in got] == list(range(total))
    assert len({m["id"] for m in got}) == total


async def test_a_session_that_runs_out_ends_the_stream() -> None:
    bus = InProcessBus()
    answers = [ADMIN, None]  # the next check finds the session expired

    async def recheck(fresh: bool) -> Audience | None:
        return answers.pop(0)

    stream = event_stream(bus, ADMIN, recheck=recheck, recheck_every=0.01)
    messages = [message async for message in stream]
    assert [m["event"] for m in messages] == ["hello", "reload"]
    assert json.loads(messages[-1]["data"]) == {"reason": "signed-out"}
