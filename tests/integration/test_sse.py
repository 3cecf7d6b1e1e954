"""GET /events streams live events to a connected browser."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import httpx

from medianest.config import Settings
from medianest.domain.events import Event
from tests.conftest import ADMIN_PASSWORD
from tests.support.servers import running_app
from tests.support.signin import sign_in_local
from tests.support.waiting import wait_for


async def _read_events(
    lines: AsyncIterator[str], wanted: int, timeout: float
) -> list[tuple[str, str]]:
    events: list[tuple[str, str]] = []
    name = ""
    async with asyncio.timeout(timeout):
        async for line in lines:
            if line.startswith("event:"):
                name = line.split(":", 1)[1].strip()
            elif line.startswith("data:"):
                events.append((name, line.split(":", 1)[1].strip()))
            elif line.startswith(":"):
                events.append(("comment", line))
            if len([e for e in events if e[0] != "comment"]) >= wanted:
                break
    return events


async def test_event_published_after_connect_reaches_the_stream(settings: Settings) -> None:
    with running_app(settings) as server:
        container = server.app.state.container  # type: ignore[attr-defined]
        async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
            await sign_in_local(http, "admin", ADMIN_PASSWORD)  # /events needs a viewer
            async with http.stream("GET", "/events") as response:
                assert response.status_code == 200
                assert response.headers["content-type"].startswith("text/event-stream")
                lines = response.aiter_lines()
                hello = await _read_events(lines, 1, 5)
                assert hello[-1][0] == "hello"
                event = Event("service.status", {"name": "Plex", "status": "down"})
                loop = container.runtime.loop
                asyncio.run_coroutine_threadsafe(container.bus.publish(event), loop)
                got = await _read_events(lines, 1, 5)
    name, data = got[-1]
    assert name == "service.status"
    assert json.loads(data)["data"] == {"name": "Plex", "status": "down"}


async def test_stream_sends_heartbeats_and_forgets_a_closed_client(settings: Settings) -> None:
    with running_app(settings) as server:
        container = server.app.state.container  # type: ignore[attr-defined]
        background = container.bus.subscriber_count  # the app's own listeners
        async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
            await sign_in_local(http, "admin", ADMIN_PASSWORD)  # /events needs a viewer
            async with http.stream("GET", "/events") as response:
                lines: list[str] = []
                async with asyncio.timeout(5):
                    async for line in response.aiter_lines():
                        lines.append(line)
                        if line.startswith(": ping"):
                            break
                assert any(line.startswith(": ping") for line in lines)
                assert container.bus.subscriber_count == background + 1

            async def unsubscribed() -> bool:
                return container.bus.subscriber_count == background

            await wait_for(unsubscribed)
