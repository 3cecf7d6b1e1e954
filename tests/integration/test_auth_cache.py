"""Who a cookie or token belongs to is remembered briefly (no database round trip per request),
yet a sign-out, revoked token, demotion or suspension takes effect at once in this process and
within a second in every other one (through Redis)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import event, select

from medianest.config import Settings
from medianest.integrations.fakekit import FakeServer
from medianest.persistence.models import ApiToken, User
from medianest.services.auth_cache import AuthCache, Identity
from tests.conftest import PlexWorld, make_settings
from tests.support import backends
from tests.support.kuma_rig import app_of, on_app_loop
from tests.support.servers import running_app
from tests.support.signin import Login, admin_client, csrf_token, new_api_token, sign_in_with_plex
from tests.support.waiting import wait_for

PROPAGATION_DEADLINE = 1.0  # seconds: what the README promises for other processes


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"auth_cache_seconds": 300}  # only invalidation can explain a change taking effect


def _count_statements(app: FastAPI) -> list[str]:
    statements: list[str] = []

    def seen(*args: Any) -> None:
        statements.append(str(args[2])[:60])

    event.listen(app.state.container.engine.sync_engine, "before_cursor_execute", seen)
    return statements


async def test_a_known_token_or_cookie_costs_no_database_round_trip(
    app: FastAPI, login: Login
) -> None:
    alice = await login("alice")
    bearer = {"Authorization": f"Bearer {await new_api_token(alice)}"}
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as script:
        assert (await script.get("/api/v1/me", headers=bearer)).status_code == 200
        assert (await alice.get("/api/v1/me")).status_code == 200
        statements = _count_statements(app)
        for _ in range(10):
            assert (await script.get("/api/v1/me", headers=bearer)).json()["username"] == "alice"
            assert (await alice.get("/api/v1/me")).json()["username"] == "alice"
    assert statements == []


async def test_changes_take_effect_at_once_in_the_same_process(app: FastAPI, login: Login) -> None:
    admin, alice = await login("admin"), await login("alice")
    bearer = {"Authorization": f"Bearer {await new_api_token(alice)}"}
    transport = httpx.ASGITransport(app=app)
    async with app.state.container.sessions() as db:
        alice_id = await db.scalar(select(User.id).where(User.username == "alice"))
        token_id = await db.scalar(select(ApiToken.id))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as script:
        assert (await script.get("/api/v1/me", headers=bearer)).json()["role"] == "user"
        token = await csrf_token(admin, "/admin/users")
        await admin.post(
            f"/admin/users/{alice_id}/role", data={"csrf_token": token, "role": "admin"}
        )
        assert (await script.get("/api/v1/me", headers=bearer)).json()["role"] == "admin"
        assert (await alice.get("/api/v1/me")).status_code == 401  # a role change ends sessions
        alice = await login("alice")
        assert (await alice.get("/api/v1/me")).status_code == 200
        mine = await csrf_token(alice, "/account")
        await alice.post(f"/account/tokens/{token_id}/revoke", data={"csrf_token": mine})
        assert (await script.get("/api/v1/me", headers=bearer)).status_code == 401
        await admin.post(f"/admin/users/{alice_id}/suspend", data={"csrf_token": token})
        assert (await alice.get("/api/v1/me")).status_code == 401


def test_a_lookup_that_raced_with_a_change_is_not_remembered() -> None:
    now = [0.0]
    cache = AuthCache(10, clock=lambda: now[0])
    alice = Identity(User(id=7, username="alice"), session_id=1)
    started = cache.generation  # a lookup reads the database...
    cache.forget_users([7])  # ...while the person is suspended elsewhere
    cache.put("session:x", alice, started)
    assert cache.get("session:x") is None
    cache.put("session:x", alice, cache.generation)
    assert cache.get("session:x") == alice
    now[0] = 10.0
    assert cache.get("session:x") is None  # and it is forgotten after its lifetime anyway


# -- two web processes sharing the database and Redis ------------------------------------------


@pytest.fixture
def shared_settings(
    tmp_path: Path, database_url: str, redis_url: str, plex_world: PlexWorld
) -> Iterator[Settings]:
    namespace = f"{backends.redis_namespace()}-auth"
    yield make_settings(
        tmp_path / "data",
        database_url,
        redis_url=redis_url,
        redis_namespace=namespace,
        auth_cache_seconds=300,
    )
    backends.purge_redis_namespace(redis_url, namespace)


@asynccontextmanager
async def _plex_user(
    server: FakeServer, plex_world: PlexWorld, who: str
) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
        signed = await sign_in_with_plex(http, plex_world.plextv, who)
        assert signed.json()["status"] == "signed_in", signed.text
        yield http


async def _within_deadline(check: Any) -> float:
    """Seconds until ``await check()`` is true; fails past the promised deadline."""
    started = time.monotonic()
    await wait_for(check, timeout=PROPAGATION_DEADLINE, interval=0.02)
    return time.monotonic() - started


async def test_changes_made_on_one_process_take_effect_on_another_within_a_second(
    shared_settings: Settings, plex_world: PlexWorld
) -> None:
    with running_app(shared_settings) as here, running_app(shared_settings) as there:
        async with (
            admin_client(here.url) as admin,
            _plex_user(there, plex_world, "alice") as alice,
            _plex_user(there, plex_world, "bob") as bob,
        ):
            ids = {}
            for name in ("alice", "bob"):
                ids[name] = await on_app_loop(app_of(here), _user_id(app_of(here), name))
            alice_bearer = {"Authorization": f"Bearer {await new_api_token(alice)}"}
            bob_bearer = {"Authorization": f"Bearer {await new_api_token(bob)}"}
            token = await csrf_token(admin, "/admin/users")

            async def me(http: httpx.AsyncClient, headers: dict[str, str] | None = None) -> Any:
                return await http.get("/api/v1/me", headers=headers or {})

            await admin.post(  # bob is an admin before anything is remembered
                f"/admin/users/{ids['bob']}/role", data={"csrf_token": token, "role": "admin"}
            )
            # Remembered on "there"; each change below is made on "here".
            assert (await me(alice)).status_code == 200
            assert (await me(alice, alice_bearer)).status_code == 200
            assert (await me(bob, bob_bearer)).json()["role"] == "admin"
            waited = []

            async with httpx.AsyncClient(base_url=here.url, cookies=alice.cookies) as same:
                mine = await csrf_token(same, "/account")
                token_id = (await same.get("/api/v1/me")).json()["id"]  # signed in on "here" too
                token_id = await on_app_loop(app_of(here), _token_id(app_of(here), token_id))
                await same.post(f"/account/tokens/{token_id}/revoke", data={"csrf_token": mine})
                waited.append(await _within_deadline(lambda: _status(me(alice, alice_bearer), 401)))
                await same.post("/signout", data={"csrf_token": mine})
            waited.append(await _within_deadline(lambda: _status(me(alice), 401)))

            await admin.post(
                f"/admin/users/{ids['bob']}/role", data={"csrf_token": token, "role": "user"}
            )
            waited.append(await _within_deadline(lambda: _role(me(bob, bob_bearer), "user")))
            await admin.post(f"/admin/users/{ids['bob']}/suspend", data={"csrf_token": token})
            waited.append(await _within_deadline(lambda: _status(me(bob, bob_bearer), 401)))
    assert len(waited) == 4


async def _status(answer: Any, code: int) -> bool:
    return bool((await answer).status_code == code)


async def _role(answer: Any, role: str) -> bool:
    response = await answer
    return bool(response.status_code == 200 and response.json()["role"] == role)


async def _user_id(app: FastAPI, username: str) -> int:
    async with app.state.container.sessions() as db:
        return int(await db.scalar(select(User.id).where(User.username == username)) or 0)


async def _token_id(app: FastAPI, user_id: int) -> int:
    async with app.state.container.sessions() as db:
        return int(await db.scalar(select(ApiToken.id).where(ApiToken.user_id == user_id)) or 0)


async def test_a_password_reset_from_the_command_line_signs_out_running_processes(
    shared_settings: Settings,
) -> None:
    """With Redis, even a CLI command reaches the web processes' caches."""
    from tests.integration.test_cli import run_cli

    with running_app(shared_settings) as server:
        async with admin_client(server.url) as admin:
            assert (await admin.get("/api/v1/me")).status_code == 200  # remembered
            env = {
                "MEDIANEST_DATA_DIR": str(shared_settings.data_dir),
                "MEDIANEST_DATABASE_URL": shared_settings.database_url or "",
                "MEDIANEST_REDIS_URL": shared_settings.redis_url or "",
                "MEDIANEST_REDIS_NAMESPACE": shared_settings.redis_namespace,
            }
            result = await asyncio.to_thread(run_cli, "admin", "reset-password", env=env)
            assert result.returncode == 0, result.stderr
            await _within_deadline(lambda: _status(admin.get("/api/v1/me"), 401))
