"""A browser that reconnects (to the same web process or another) gets what it missed, once, or
a "reload" signal when that is no longer kept; admins get each event once."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from sqlalchemy import select

from medianest.config import Settings
from medianest.domain.events import Event, for_user
from medianest.persistence.models import User
from medianest.services import download_view
from tests.conftest import make_settings
from tests.support import backends
from tests.support.kuma_rig import app_of, on_app_loop
from tests.support.live import LiveStream, Received
from tests.support.servers import running_app
from tests.support.signin import admin_client


async def _publish(app: FastAPI, *events: Event) -> None:
    for event in events:
        await on_app_loop(app, app.state.container.bus.publish(event))


def _ticks(live: LiveStream) -> list[int]:
    return [int(e.data["data"]["n"]) for e in live.named("tick")]


def _tick(n: int) -> Event:
    return Event("tick", {"n": n})


def _is_tick(n: int) -> object:
    return lambda e: e.name == "tick" and e.data["data"]["n"] == n


async def test_a_reconnecting_browser_gets_what_it_missed_once(settings: Settings) -> None:
    with running_app(settings) as server:
        app = app_of(server)
        async with admin_client(server.url) as http:
            async with LiveStream(http) as first:
                await _publish(app, _tick(1), _tick(2))
                seen: Received = await first.wait_for(_is_tick(2))  # type: ignore[arg-type]
            await _publish(app, _tick(3), _tick(4))  # while it is away
            async with LiveStream(http, {"Last-Event-ID": seen.id or ""}) as again:
                await _publish(app, _tick(5))
                await again.wait_for(_is_tick(5))  # type: ignore[arg-type]
            # The page's own reconnect sends the id as a query parameter: same answer.
            async with LiveStream(http, path=f"/events?last_event_id={seen.id}") as page:
                await page.wait_for(_is_tick(5))  # type: ignore[arg-type]
    assert _ticks(first) == [1, 2]
    assert _ticks(again) == [3, 4, 5] and not again.named("reload")
    assert _ticks(page) == [3, 4, 5]
    ids = [e.id for e in first.named("tick") + again.named("tick")]
    assert len(set(ids)) == len(ids) == 5


async def test_a_browser_whose_missed_events_are_gone_is_told_to_reload(
    settings: Settings,
) -> None:
    with running_app(settings) as server:
        app = app_of(server)
        async with admin_client(server.url) as http:
            for stale in ("1-0", "not-an-id"):  # long gone, or not an id at all
                async with LiveStream(http, {"Last-Event-ID": stale}) as live:
                    reload = await live.wait_for(lambda e: e.name == "reload")
                    await _publish(app, _tick(7))
                    await live.wait_for(_is_tick(7))  # type: ignore[arg-type]
                assert reload.data == {"reason": "missed"} and reload.id
                assert live.events.index(reload) < live.events.index(live.named("tick")[0])


async def test_an_admin_gets_their_own_download_events_once(settings: Settings) -> None:
    with running_app(settings) as server:
        app = app_of(server)

        async def admin_id() -> int:
            async with app.state.container.sessions() as db:
                return int(await db.scalar(select(User.id).where(User.username == "admin")) or 0)

        async with admin_client(server.url) as http, LiveStream(http) as live:
            me = await on_app_loop(app, admin_id())
            bus = app.state.container.bus
            await on_app_loop(
                app, download_view.publish(bus, download_view.EVENT_JOB, me, {"id": 41})
            )
            await on_app_loop(
                app, download_view.publish(bus, download_view.EVENT_JOB, me + 50, {"id": 42})
            )
            await _publish(app, Event("done", {}, audience=for_user(me)))
            await live.wait_for(lambda e: e.name == "done")
    jobs = [e.data["data"]["id"] for e in live.named(download_view.EVENT_JOB)]
    assert jobs == [41, 42]  # their own once, and everyone else's (as an admin)


@pytest.fixture
def shared_settings(tmp_path: Path, database_url: str, redis_url: str) -> Iterator[Settings]:
    namespace = f"{backends.redis_namespace()}-resume"
    yield make_settings(
        tmp_path / "data", database_url, redis_url=redis_url, redis_namespace=namespace
    )
    backends.purge_redis_namespace(redis_url, namespace)


async def test_a_browser_resumes_on_another_web_process(shared_settings: Settings) -> None:
    with running_app(shared_settings) as here, running_app(shared_settings) as there:
        async with admin_client(here.url) as http:
            async with LiveStream(http) as first:
                await _publish(app_of(there), _tick(1))
                seen: Received = await first.wait_for(_is_tick(1))  # type: ignore[arg-type]
            await _publish(app_of(here), _tick(2))
            await _publish(app_of(there), _tick(3))
        async with (
            admin_client(there.url) as elsewhere,
            LiveStream(elsewhere, {"Last-Event-ID": seen.id or ""}) as again,
        ):
            await _publish(app_of(here), _tick(4))
            await again.wait_for(_is_tick(4))  # type: ignore[arg-type]
    assert _ticks(again) == [2, 3, 4] and not again.named("reload")
