"""The fake Overseerr wired into a MediaNest app for the request tests, all in one event loop.

MediaNest's real Overseerr client reaches the fake through an in-process ASGI transport that
records every call (so tests can see ``X-API-User``), posters come from the fake's TMDB images,
and the fake's webhook agent posts into the MediaNest app itself. Test modules import the
``settings_overrides`` override and the ``overseerr`` fixture (``overseerr_overrides``,
``overseerr_world``) from here.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from medianest.config import Settings
from medianest.demo import identities
from medianest.integrations.base import HttpPolicy
from medianest.integrations.overseerr.client import OverseerrClient
from medianest.integrations.overseerr.fake import OverseerrFakeState, create_app
from medianest.integrations.overseerr.fake_catalog import CatalogItem
from medianest.persistence.models import MediaRequest, Notification, User
from medianest.services.requests import RequestsService
from tests.conftest import make_settings
from tests.support.wire import Recorder

SECRET = "Bearer overseerr-hook-7f3a9c"
FAKE_URL = "http://overseerr.test"
WEBHOOK_URL = "http://testserver/api/v1/webhooks/overseerr"
OWNER_ID, ALICE_ID, BOB_ID = 1, 2, 3  # Overseerr user ids of the demo people


def overseerr_settings(**overrides: Any) -> dict[str, Any]:
    """Settings values that point MediaNest at the fake Overseerr."""
    return {
        "overseerr_url": FAKE_URL,
        "overseerr_api_key": identities.OVERSEERR_API_KEY,
        "overseerr_webhook_secret": SECRET,
        "tmdb_image_url": f"{FAKE_URL}/__fake__/tmdb/t/p",
        "requests_timeout_seconds": 2.0,
        **overrides,
    }


def requests_settings(data_dir: Path, database_url: str, **overrides: Any) -> Settings:
    return make_settings(data_dir, database_url, **overseerr_settings(**overrides))


@pytest.fixture(name="settings_overrides")
def overseerr_overrides() -> dict[str, Any]:
    """Overrides the suite's ``settings_overrides`` in the modules that import it."""
    return overseerr_settings()


@dataclass
class OverseerrWorld:
    app: FastAPI
    state: OverseerrFakeState
    recorder: Recorder

    @property
    def service(self) -> RequestsService:
        service = self.app.state.container.requests
        assert service is not None
        return service

    def fresh(self, media_type: str = "movie", skip: int = 0, seasons: int = 2) -> CatalogItem:
        """A title nobody requested and Plex does not have (shows: at least ``seasons``)."""
        pool = self.state.catalog.movies if media_type == "movie" else self.state.catalog.shows
        items = [
            item
            for item in sorted(pool.values(), key=lambda i: i.tmdb_id)
            if self.state.media_for(media_type, item.tmdb_id) is None
            and (media_type == "movie" or len(item.regular_seasons()) >= seasons)
            and "<" not in item.title
        ]
        return items[skip]

    async def user_id(self, username: str) -> int:
        async with self.app.state.container.sessions() as db:
            found = await db.scalar(select(User.id).where(User.username == username))
        assert found is not None
        return found

    async def rows(self) -> list[MediaRequest]:
        async with self.app.state.container.sessions() as db:
            return list(await db.scalars(select(MediaRequest).order_by(MediaRequest.id)))

    async def row(self, request_id: int) -> MediaRequest:
        async with self.app.state.container.sessions() as db:
            found = await db.get(MediaRequest, request_id)
        assert found is not None
        return found

    async def inbox(self, username: str) -> list[Notification]:
        user_id = await self.user_id(username)
        async with self.app.state.container.sessions() as db:
            rows = await db.scalars(
                select(Notification)
                .where(Notification.user_id == user_id)
                .order_by(Notification.id)
            )
            return list(rows)

    async def settle(self, within_s: float = 5.0) -> None:
        """Wait until every webhook the fake started has been delivered and answered."""
        await self.state.wait_for_webhooks(len(self.state.webhook_log), within_s)
        await asyncio.sleep(0)


@pytest.fixture(name="overseerr")
async def overseerr_world(app: FastAPI) -> AsyncIterator[OverseerrWorld]:
    state = OverseerrFakeState.demo(1)
    fake = create_app(state)
    recorder = Recorder(httpx.ASGITransport(app=fake))
    container = app.state.container
    if container.integrations.overseerr is not None:
        container.close_later(container.integrations.overseerr)
    container.integrations.overseerr = OverseerrClient(
        FAKE_URL,
        identities.OVERSEERR_API_KEY,
        transport=recorder,
        policy=HttpPolicy(timeout=1.0, connect_timeout=1.0, retries=0, backoff=0.0),
    )
    container.requests.posters.transport = httpx.ASGITransport(app=fake)
    state.webhooks.transport = httpx.ASGITransport(app=app)
    state.configure_webhook(WEBHOOK_URL, SECRET)
    yield OverseerrWorld(app, state, recorder)
    await state.wait_for_webhooks(len(state.webhook_log), 5.0)
