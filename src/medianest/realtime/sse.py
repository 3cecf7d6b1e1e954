"""Turns bus events into Server-Sent Events for one browser connection.

A stream starts after the last event the browser saw (``Last-Event-ID``), or sends ``reload``
when the bus no longer keeps what it missed. It never sends an event twice, and it ends (after a
``reload``) when its viewer's access changes: signed out, suspended, demoted or promoted.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from medianest.domain.events import AUDIENCE_INTERNAL, Event, EventOrder, event_id, event_order
from medianest.realtime.bus import EventBus, Subscription

AUTH_CHANGED = "auth.changed"  # internal: {"user_id": n}; that person's access may have changed
RECHECK_SECONDS = 60.0  # sessions also run out with time


@dataclass(frozen=True)
class Audience:
    """Whom a stream is for: what ``Event.visible_to`` needs."""

    user_id: int | None
    is_admin: bool


# The viewer now (None when signed out); ``fresh``: from the database, not a remembered lookup.
Recheck = Callable[[bool], Awaitable[Audience | None]]
Encode = Callable[[Event], Awaitable[str]]


def auth_changed(user_id: int) -> Event:
    return Event(AUTH_CHANGED, {"user_id": user_id}, audience=AUDIENCE_INTERNAL)


async def plain(event: Event) -> str:
    return event.to_json()


def _reload(reason: str, head: str | None) -> dict[str, Any]:
    message: dict[str, Any] = {"event": "reload", "data": json.dumps({"reason": reason})}
    if head:
        message["id"] = head  # a client that stays resumes from here, not from its old id
    return message


@dataclass
class _Cursor:
    """The newest event this connection has sent (or skipped as not for it)."""

    order: EventOrder | None
    dropped: int = 0

    def fresh(self, event: Event) -> bool:
        return self.order is None or event.order > self.order

    def advance(self, event: Event) -> None:
        self.order = event.order


async def event_stream(
    bus: EventBus,
    audience: Audience,
    *,
    recheck: Recheck,
    last_event_id: str | None = None,
    encode: Encode = plain,
    recheck_every: float = RECHECK_SECONDS,
) -> AsyncIterator[dict[str, Any]]:
    """Yields SSE messages for the events this viewer may see, until the client goes away or
    the viewer's access changes. Heartbeats (comment lines) are added by the response."""
    resuming = bool(last_event_id and last_event_id.strip())
    start = last_event_id.strip() if last_event_id and resuming else await bus.head()
    hello: dict[str, Any] = {"event": "hello", "data": "{}", "retry": 3000}
    async with bus.subscribe() as subscription:
        cursor = _Cursor(event_order(start))
        missed = await bus.since(start)
        if missed is not None:
            yield hello if resuming else hello | {"id": start}
        elif resuming:
            head = await bus.head()
            cursor = _Cursor(event_order(head))
            yield hello
            yield _reload("missed", head)
        else:  # nothing kept at all yet (a new Redis stream): everything from now on is new
            cursor = _Cursor(None)
            yield hello
        for event in missed or ():
            if cursor.fresh(event):
                cursor.advance(event)
                if event.visible_to(audience.user_id, audience.is_admin):
                    yield {"event": event.type, "id": event.id, "data": await encode(event)}
        live = _live(bus, subscription, cursor, audience, recheck, encode, recheck_every)
        async for message in live:
            yield message


async def _live(
    bus: EventBus,
    subscription: Subscription,
    cursor: _Cursor,
    audience: Audience,
    recheck: Recheck,
    encode: Encode,
    recheck_every: float,
) -> AsyncIterator[dict[str, Any]]:
    loop = asyncio.get_running_loop()
    next_check = loop.time() + recheck_every
    while True:
        try:
            async with asyncio.timeout_at(next_check):  # cheaper than wait_for (no extra task)
                event = await subscription.get()
        except TimeoutError:
            next_check = loop.time() + recheck_every
            if (reason := _changed(audience, await recheck(False))) is not None:
                yield _reload(reason, None)
                return
            continue
        batch = [event]
        if subscription.dropped != cursor.dropped:  # this browser fell behind: refill the gap
            cursor.dropped = subscription.dropped
            kept = await bus.since(event_id(cursor.order)) if cursor.order else None
            if kept is None:
                head = await bus.head()
                cursor.order = event_order(head)
                yield _reload("missed", head)
                continue
            batch = [*kept, event]
        for item in batch:
            if not cursor.fresh(item):
                continue
            cursor.advance(item)
            if item.type == AUTH_CHANGED and item.audience == AUDIENCE_INTERNAL:
                mine = item.data.get("user_id") == audience.user_id
                if mine and (reason := _changed(audience, await recheck(True))) is not None:
                    yield _reload(reason, None)
                    return
                continue
            if item.visible_to(audience.user_id, audience.is_admin):
                yield {"event": item.type, "id": item.id, "data": await encode(item)}


def _changed(audience: Audience, now: Audience | None) -> str | None:
    """Why the stream must end, or None when the viewer may keep it."""
    if now is None:
        return "signed-out"
    if now != audience:
        return "access-changed"
    return None
