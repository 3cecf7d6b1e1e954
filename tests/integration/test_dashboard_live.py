"""Changes reach a connected browser over SSE, from a poll and from Kuma's webhook; the webhook
endpoint refuses strangers and garbage; /events knows who is watching."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from medianest.config import Settings
from medianest.domain.events import Event, for_user
from medianest.persistence.models import ServiceRecord, User
from tests.support.kuma_rig import (
    WEBHOOK_SECRET,
    KumaRig,
    app_of,
    coordinator,
    on_app_loop,
    sse_events,
    start_kuma,
    wait_for_event,
)
from tests.support.servers import running_app
from tests.support.signin import admin_client

HOOK = "/api/v1/webhooks/uptime-kuma"


@pytest.fixture
def kuma() -> Iterator[KumaRig]:
    rig = start_kuma(cache=True)  # as the demo: Kuma's status page cache is on
    yield rig
    rig.close()


@pytest.fixture
def settings_overrides(kuma: KumaRig) -> dict[str, object]:
    return kuma.settings(api_key=False)


async def test_a_change_found_by_polling_reaches_a_connected_browser(
    settings: Settings, kuma: KumaRig
) -> None:
    with running_app(settings) as server:
        app = app_of(server)
        assert (await on_app_loop(app, coordinator(app).poll_once())).ok
        kuma.state.set_status(kuma.monitor_id("Plex"), "down")
        kuma.state.clear_cache()  # the poll below sees past Kuma's 1 min heartbeat cache
        async with admin_client(server.url) as http, http.stream("GET", "/events") as sse:
            assert sse.status_code == 200
            lines = sse.aiter_lines()
            await wait_for_event_named(lines, "hello")
            poll = asyncio.ensure_future(on_app_loop(app, coordinator(app).poll_once()))
            change = await wait_for_event(lines, "service.status", name="Plex")
            notice = await wait_for_event(lines, "notification")
            assert (await poll).ok
    assert (change["previous"], change["status"]) == ("up", "down")
    assert notice["title"] == "Plex is down" and notice["level"] == "error"


async def test_a_kuma_webhook_reaches_a_connected_browser_within_seconds(
    settings: Settings, kuma: KumaRig
) -> None:
    with running_app(settings) as server:
        app = app_of(server)
        assert (await on_app_loop(app, coordinator(app).poll_once())).ok
        kuma.send_webhooks_to(server.url)
        async with admin_client(server.url) as http, http.stream("GET", "/events") as sse:
            lines = sse.aiter_lines()
            await wait_for_event_named(lines, "hello")
            kuma.state.set_status(kuma.monitor_id("Overseerr"), "down", msg="HTTP 502")
            change = await wait_for_event(lines, "service.status", name="Overseerr", timeout=5)
            assert change["status"] == "down"
            # Kuma still serves its cached page (beats up to 1 min old): the webhook stands.
            assert (await on_app_loop(app, coordinator(app).poll_once())).ok
            body = (await http.get("/api/v1/services")).json()
            overseerr = next(s for s in body["services"] if s["name"] == "Overseerr")
            dialog = await http.get(f"/dashboard/services/{overseerr['id']}")
        deliveries = await kuma.state.wait_for_webhooks(1)
    assert overseerr["status"] == "down"
    assert deliveries[0].kind == "down"
    assert "HTTP 502" in dialog.text  # the check's own message, from the webhook


async def wait_for_event_named(lines: AsyncIterator[str], name: str) -> None:
    async with asyncio.timeout(5):
        async for line in lines:
            if line == f"event: {name}":
                return


async def _user_id(app: FastAPI, username: str) -> int:
    async with app.state.container.sessions() as db:
        found = await db.scalar(select(User.id).where(User.username == username))
    assert found is not None
    return int(found)


async def _history_rows(app: FastAPI) -> int:
    async with app.state.container.sessions() as db:
        return int(await db.scalar(select(func.count()).select_from(ServiceRecord)) or 0)


def _webhook(monitor_id: int, status: int, name: str = "Plex") -> dict[str, object]:
    return {
        "heartbeat": {
            "monitorID": monitor_id,
            "status": status,
            "time": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.000"),
            "msg": "",
            "ping": None,
        },
        "monitor": {"id": monitor_id, "name": name},
        "msg": f"[{name}] [Down]",
    }


async def test_webhook_with_a_wrong_secret_is_refused_and_nothing_is_recorded(
    app: FastAPI, client: httpx.AsyncClient, kuma: KumaRig
) -> None:
    await coordinator(app).poll_once()
    before = await _history_rows(app)
    body = _webhook(kuma.monitor_id("Plex"), 0)
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "wrong"}):
        response = await client.post(HOOK, json=body, headers=headers)
        assert response.status_code == 401
        assert response.headers["content-type"].startswith("application/problem+json")
    assert await _history_rows(app) == before
    services = await coordinator(app).board()
    assert next(c for c in services.cards if c.name == "Plex").status.value == "up"
    assert services.source.webhook_at is None


async def test_malformed_or_unknown_webhooks_get_400_with_a_reason_and_are_logged(
    app: FastAPI, client: httpx.AsyncClient, kuma: KumaRig, caplog: pytest.LogCaptureFixture
) -> None:
    await coordinator(app).poll_once()
    caplog.set_level(logging.WARNING)
    auth = {"Authorization": f"Bearer {WEBHOOK_SECRET}"}
    garbage = await client.post(
        HOOK, content=b"{not json", headers={**auth, "content-type": "application/json"}
    )
    assert garbage.status_code == 400
    assert "not valid JSON" in garbage.json()["detail"]
    wrong_shape = await client.post(HOOK, json={"hello": 1}, headers=auth)
    assert wrong_shape.status_code == 400
    router = kuma.monitor_id("Router admin")  # a monitor that is not on the public page
    unknown = await client.post(HOOK, json=_webhook(router, 0, "Router admin"), headers=auth)
    assert unknown.status_code == 400
    assert f"unknown monitor {router}" in unknown.json()["detail"]
    rejected = [r for r in caplog.records if "webhook rejected" in r.getMessage()]
    assert len(rejected) == 3
    test = await client.post(
        HOOK, json={"heartbeat": None, "monitor": None, "msg": "MediaNest Testing"}, headers=auth
    )
    assert test.json() == {"result": "test"}
    # The secret may also be sent verbatim, and form-data bodies are unwrapped.
    form = await client.post(
        HOOK,
        data={"data": json.dumps(_webhook(kuma.monitor_id("Plex"), 0))},
        headers={"Authorization": WEBHOOK_SECRET},
    )
    assert form.json() == {"result": "recorded"}


async def test_events_need_a_viewer_and_carry_only_what_that_viewer_may_see(
    settings: Settings,
) -> None:
    with running_app(settings) as server:
        app = app_of(server)
        async with httpx.AsyncClient(base_url=server.url, timeout=5) as anonymous:
            assert (await anonymous.get("/events")).status_code == 401
        async with admin_client(server.url) as http, http.stream("GET", "/events") as sse:
            lines = sse.aiter_lines()
            await wait_for_event_named(lines, "hello")
            admin_id = await on_app_loop(app, _user_id(app, "admin"))
            bus = app.state.container.bus
            for event in (
                Event("private", {"n": 1}, audience=for_user(admin_id + 100)),
                Event("admins-only", {"n": 2}, audience="admins"),
                Event("mine", {"n": 3}, audience=for_user(admin_id)),
            ):
                await on_app_loop(app, bus.publish(event))
            seen: list[tuple[str, dict[str, object]]] = []
            async with asyncio.timeout(5):
                async for name, payload in sse_events(lines):
                    if "data" in payload:  # not the rest of the "hello" event
                        seen.append((name, payload["data"]))
                    if name == "mine":
                        break
    assert seen == [("admins-only", {"n": 2}), ("mine", {"n": 3})]
