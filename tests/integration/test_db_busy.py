"""Every database connection busy for longer than the pool waits: the request is answered
"busy, try again shortly" (503 with Retry-After), not a 500, and the next one after the crowd
has gone through works as usual."""

from __future__ import annotations

from contextlib import AsyncExitStack

import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.pool import QueuePool

from tests.conftest import Login


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"database_pool_timeout_seconds": 0.5}


async def _take_every_connection(app: FastAPI, stack: AsyncExitStack) -> list[AsyncConnection]:
    engine = app.state.container.engine
    pool = engine.pool
    assert isinstance(pool, QueuePool)
    held: list[AsyncConnection] = []
    while pool.checkedout() < pool.size() + pool._max_overflow:
        held.append(await stack.enter_async_context(engine.connect()))
    return held


async def test_a_request_finding_no_free_connection_is_told_to_retry(
    app: FastAPI, login: Login
) -> None:
    admin = await login("admin")
    async with AsyncExitStack() as stack:
        await _take_every_connection(app, stack)
        api = await admin.get("/api/v1/notifications")
        page = await admin.get("/inbox")
    assert api.status_code == 503
    assert api.headers["content-type"].startswith("application/problem+json")
    assert "too busy" in api.json()["detail"]
    assert api.headers["retry-after"] == "5"
    assert api.headers.get("x-request-id")
    assert page.status_code == 503 and "Temporarily unavailable" in page.text
    assert (await admin.get("/api/v1/notifications")).status_code == 200  # the crowd has gone
