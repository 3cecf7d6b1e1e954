"""The Uptime Kuma fake on a real port, and MediaNest settings pointing at it (dashboard tests)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Coroutine
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from fastapi import FastAPI

from medianest.demo import identities
from medianest.integrations.fakekit import FakeServer
from medianest.integrations.uptime_kuma.fake import UptimeKumaFakeState, create_app
from medianest.services.status import StatusCoordinator

WEBHOOK_SECRET = "kuma-webhook-secret-for-tests-0123456789"
SLUG = identities.UPTIME_KUMA_SLUG
HTML_NAME = "NAS <b>Backups</b> & Snapshots"
T = TypeVar("T")


@dataclass
class KumaRig:
    state: UptimeKumaFakeState
    server: FakeServer

    def settings(self, *, api_key: bool = True, **overrides: object) -> dict[str, object]:
        values: dict[str, object] = {
            "uptime_kuma_url": self.server.url,
            "uptime_kuma_slug": SLUG,
            "uptime_kuma_api_key": identities.UPTIME_KUMA_API_KEY if api_key else None,
            "uptime_kuma_webhook_secret": WEBHOOK_SECRET,
            "status_poll_seconds": 0,
        }
        values.update(overrides)
        return values

    def monitor_id(self, name: str) -> int:
        return next(m.id for m in self.state.monitors.values() if m.name == name)

    def send_webhooks_to(self, medianest_url: str) -> None:
        self.state.add_webhook(
            f"{medianest_url}/api/v1/webhooks/uptime-kuma",
            {"Authorization": f"Bearer {WEBHOOK_SECRET}"},
            name="MediaNest",
        )

    def close(self) -> None:
        self.state.close()
        self.server.stop()


def start_kuma(version: str = "2.5.3", *, cache: bool = False) -> KumaRig:
    """The demo monitors (one down, one flapping, one with HTML in its name, one not public)."""
    state = UptimeKumaFakeState.demo(version=version)
    state.cache_enabled = cache
    state.set_mode(next(m.id for m in state.monitors.values() if m.name == "Tautulli"), "up")
    return KumaRig(state, FakeServer(create_app(state)).start())


def app_of(server: FakeServer) -> FastAPI:
    """The MediaNest app a ``running_app`` server serves."""
    return cast(FastAPI, server.app)


def coordinator(app: FastAPI) -> StatusCoordinator:
    status: StatusCoordinator | None = app.state.container.status
    assert status is not None
    return status


async def on_app_loop(app: FastAPI, work: Coroutine[Any, Any, T]) -> T:
    """Runs a coroutine on the loop of an app served by ``running_app`` (another thread)."""
    loop = app.state.container.runtime.loop
    return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(work, loop))


async def sse_events(lines: AsyncIterator[str]) -> AsyncIterator[tuple[str, dict[str, Any]]]:
    """(event name, payload) pairs of an SSE stream, without the comments."""
    name = ""
    async for line in lines:
        if line.startswith("event:"):
            name = line.split(":", 1)[1].strip()
        elif line.startswith("data:"):
            yield name, json.loads(line.split(":", 1)[1].strip())


async def wait_for_event(
    lines: AsyncIterator[str], kind: str, timeout: float = 10.0, **match: Any
) -> dict[str, Any]:
    """The first event of that kind whose data has the given values."""
    async with asyncio.timeout(timeout):
        async for name, payload in sse_events(lines):
            data = payload.get("data", {})
            if name == kind and all(data.get(k) == v for k, v in match.items()):
                return dict(data)
    raise AssertionError(f"no {kind} event")
