"""Every database connection busy for longer than the pool waits: the request is answered
"busy, try again shortly" (503 with Retry-After), not a 500, and the next one after the crowd
has gone through works as usual."""

from __future__ import annotations

import json
import time
from contextlib import AsyncExitStack

import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.pool import QueuePool

from medianest.persistence.models import AppSetting
from medianest.services.live_settings import STORAGE_KEYS
from tests.conftest import Login
from tests.support.waiting import wait_for


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    """A short wait for a connection, and every sign-in checked in the database."""
    return {"database_pool_timeout_seconds": 2.0, "auth_cache_seconds": 0}


async def _take_connections(
    app: FastAPI, stack: AsyncExitStack, *, leave: int = 0
) -> list[AsyncConnection]:
    """Checks out every connection the app's pool may open but ``leave`` of them."""
    engine = app.state.container.engine
    pool = engine.pool
    assert isinstance(pool, QueuePool)
    held: list[AsyncConnection] = []
    while pool.checkedout() < pool.size() + pool._max_overflow - leave:
        held.append(await stack.enter_async_context(engine.connect()))
    return held


async def test_a_request_finding_no_free_connection_is_told_to_retry(
    app: FastAPI, login: Login
) -> None:
    admin = await login("admin")
    async with AsyncExitStack() as stack:
        await _take_connections(app, stack)
        api = await admin.get("/api/v1/notifications")
        page = await admin.get("/inbox")
    assert api.status_code == 503
    assert api.headers["content-type"].startswith("application/problem+json")
    assert "too busy" in api.json()["detail"]
    assert api.headers["retry-after"] == "5"
    assert api.headers.get("x-request-id")
    assert page.status_code == 503 and "Temporarily unavailable" in page.text
    assert (await admin.get("/api/v1/notifications")).status_code == 200  # the crowd has gone


async def test_admin_settings_due_for_a_re_read_are_answered_without_a_free_connection(
    app: FastAPI,
) -> None:
    """Callers often hold a database connection when they ask for the admin settings; once
    read, the values in force are answered at once and re-read in the background."""
    live = app.state.container.live
    later = [0.0]
    live.clock = lambda: time.monotonic() + later[0]
    before = await live.current()  # read once, as a running server has
    async with app.state.container.sessions.begin() as db:  # another process's change
        db.add(
            AppSetting(key=STORAGE_KEYS["session_days"], value=json.dumps(before.session_days + 1))
        )
    later[0] = 3600.0  # due for a re-read while the crowd holds every connection
    async with AsyncExitStack() as stack:
        await _take_connections(app, stack)
        assert await live.current() == before

    async def changed() -> bool:
        return (await live.current()).session_days == before.session_days + 1

    await wait_for(changed)
