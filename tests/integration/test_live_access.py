"""An open live stream follows its viewer's access: sign-out, suspension and demotion end it at
once, in the process that made the change and (through Redis) in every other one."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from medianest.config import Settings
from medianest.domain.events import AUDIENCE_ADMINS, Event
from medianest.integrations.fakekit import FakeServer
from medianest.persistence.models import User
from tests.conftest import PlexWorld, make_settings
from tests.support import backends
from tests.support.kuma_rig import app_of, on_app_loop
from tests.support.live import LiveStream
from tests.support.servers import running_app
from tests.support.signin import admin_client, csrf_token, new_api_token, sign_in_with_plex


@asynccontextmanager
async def plex_user(
    server: FakeServer, plex_world: PlexWorld, who: str
) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
        signed = await sign_in_with_plex(http, plex_world.plextv, who)
        assert signed.json()["status"] == "signed_in", signed.text
        yield http


async def _user_id(app: FastAPI, username: str) -> int:
    async def find() -> int:
        async with app.state.container.sessions() as db:
            found = await db.scalar(select(User.id).where(User.username == username))
        assert found is not None
        return int(found)

    return await on_app_loop(app, find())


async def _admin_action(admin: httpx.AsyncClient, user_id: int, action: str, **form: str) -> None:
    token = await csrf_token(admin, "/admin/users")
    done = await admin.post(f"/admin/users/{user_id}/{action}", data={"csrf_token": token, **form})
    assert done.status_code == 303, done.text


async def _publish(app: FastAPI, event: Event) -> None:
    await on_app_loop(app, app.state.container.bus.publish(event))


def _reload(reason: str) -> object:
    return lambda e: e.name == "reload" and e.data.get("reason") == reason


async def test_signing_out_ends_the_open_stream(settings: Settings, plex_world: PlexWorld) -> None:
    with running_app(settings) as server:
        async with plex_user(server, plex_world, "alice") as alice, LiveStream(alice) as live:
            token = await csrf_token(alice, "/account")
            assert (await alice.post("/signout", data={"csrf_token": token})).status_code == 303
            await live.wait_for(_reload("signed-out"))  # type: ignore[arg-type]
            await live.wait_ended()


async def test_suspension_ends_the_open_stream(settings: Settings, plex_world: PlexWorld) -> None:
    with running_app(settings) as server:
        app = app_of(server)
        async with (
            admin_client(server.url) as admin,
            plex_user(server, plex_world, "alice") as alice,
            LiveStream(alice) as live,
        ):
            await _admin_action(admin, await _user_id(app, "alice"), "suspend")
            await live.wait_for(_reload("signed-out"))  # type: ignore[arg-type]
            await live.wait_ended()
            assert (await alice.get("/events")).status_code == 401


async def test_a_demoted_admin_stops_getting_admin_events_on_every_stream(
    settings: Settings, plex_world: PlexWorld
) -> None:
    """Cookie streams end with the sessions a role change ends; a token's stream (tokens live
    on) ends too, and the one it reopens no longer carries admin-only events."""
    with running_app(settings) as server:
        app = app_of(server)
        async with admin_client(server.url) as admin:
            async with plex_user(server, plex_world, "alice"):
                alice_id = await _user_id(app, "alice")
            await _admin_action(admin, alice_id, "role", role="admin")
            async with plex_user(server, plex_world, "alice") as alice:
                bearer = {"Authorization": f"Bearer {await new_api_token(alice)}"}
                async with (
                    LiveStream(alice) as cookie_live,
                    LiveStream(alice, bearer) as token_live,
                ):
                    await _publish(app, Event("audit.entry", {"n": 1}, audience=AUDIENCE_ADMINS))
                    for live in (cookie_live, token_live):
                        await live.wait_for(lambda e: e.name == "audit.entry")
                    await _admin_action(admin, alice_id, "role", role="user")
                    await cookie_live.wait_for(_reload("signed-out"))  # type: ignore[arg-type]
                    await token_live.wait_for(_reload("access-changed"))  # type: ignore[arg-type]
                    await cookie_live.wait_ended()
                    await token_live.wait_ended()
                async with LiveStream(alice, bearer) as reopened:
                    await _publish(app, Event("audit.entry", {"n": 2}, audience=AUDIENCE_ADMINS))
                    await _publish(app, Event("everyone", {"n": 3}))
                    await reopened.wait_for(lambda e: e.name == "everyone")
                assert not reopened.named("audit.entry")


# -- two web processes sharing the database and Redis ------------------------------------------


@pytest.fixture
def shared_settings(
    tmp_path: Path, database_url: str, redis_url: str, plex_world: PlexWorld
) -> Iterator[Settings]:
    namespace = f"{backends.redis_namespace()}-live"
    yield make_settings(
        tmp_path / "data", database_url, redis_url=redis_url, redis_namespace=namespace
    )
    backends.purge_redis_namespace(redis_url, namespace)


@contextmanager
def two_web_processes(settings: Settings) -> Iterator[tuple[FakeServer, FakeServer]]:
    with running_app(settings) as first, running_app(settings) as second:
        yield first, second


async def test_a_change_made_on_one_web_process_ends_streams_on_the_other(
    shared_settings: Settings, plex_world: PlexWorld
) -> None:
    with two_web_processes(shared_settings) as (here, there):
        async with (
            admin_client(here.url) as admin,
            plex_user(there, plex_world, "alice") as alice,
            plex_user(there, plex_world, "bob") as bob,
        ):
            alice_id = await _user_id(app_of(here), "alice")
            bob_id = await _user_id(app_of(here), "bob")
            await _admin_action(admin, bob_id, "role", role="admin")
            async with plex_user(there, plex_world, "bob") as bob_admin:
                bob_bearer = {"Authorization": f"Bearer {await new_api_token(bob_admin)}"}
            async with (
                LiveStream(alice) as suspended_live,
                LiveStream(bob, bob_bearer) as demoted_live,
            ):
                await _admin_action(admin, alice_id, "suspend")
                await _admin_action(admin, bob_id, "role", role="user")
                await suspended_live.wait_for(_reload("signed-out"))  # type: ignore[arg-type]
                await demoted_live.wait_for(_reload("access-changed"))  # type: ignore[arg-type]
                await suspended_live.wait_ended()
                await demoted_live.wait_ended()
