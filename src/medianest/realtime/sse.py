"""Turns bus events into Server-Sent Events for one browser connection."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from medianest.realtime.bus import EventBus


async def event_stream(
    bus: EventBus, *, user_id: int | None, is_admin: bool
) -> AsyncIterator[dict[str, Any]]:
    """Yields SSE messages for the events this viewer may see, until the client goes away.

    Heartbeats (comment lines) are added by the response, so proxies keep the stream open.
    """
    yield {"event": "hello", "data": "{}", "retry": 3000}
    async with bus.subscribe() as subscription:
        async for event in subscription:
            if event.visible_to(user_id, is_admin):
                yield {"event": event.type, "id": event.id, "data": event.to_json()}
