"""A user reaches only their own things, through every route; admin routes need an admin."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from medianest.persistence.models import ApiToken, User, UserSession
from medianest.web.openapi import access_of
from tests.conftest import Login
from tests.support.routes import route_table
from tests.support.signin import csrf_token

ADMIN_PAGES = ["/admin", "/admin/users", "/admin/audit"]
ADMIN_API = ["/api/v1/users", "/api/v1/audit"]


async def _ids(app: FastAPI, username: str) -> tuple[int, list[int], list[int]]:
    async with app.state.container.sessions() as db:
        user_id = await db.scalar(select(User.id).where(User.username == username))
        assert user_id is not None
        sessions = list(
            await db.scalars(select(UserSession.id).where(UserSession.user_id == user_id))
        )
        tokens = list(await db.scalars(select(ApiToken.id).where(ApiToken.user_id == user_id)))
    return user_id, sessions, tokens


@pytest.fixture
async def alice_and_bob(app: FastAPI, login: Login) -> tuple[httpx.AsyncClient, httpx.AsyncClient]:
    alice, bob = await login("alice"), await login("bob")
    token = await csrf_token(bob, "/account")
    await bob.post("/account/tokens", data={"csrf_token": token, "name": "bob's script"})
    return alice, bob


async def test_a_user_cannot_touch_another_users_sessions_or_tokens(
    app: FastAPI, alice_and_bob: tuple[httpx.AsyncClient, httpx.AsyncClient]
) -> None:
    alice, bob = alice_and_bob
    bob_id, bob_sessions, bob_tokens = await _ids(app, "bob")
    token = await csrf_token(alice, "/account")
    for session_id in bob_sessions:
        response = await alice.post(
            f"/account/sessions/{session_id}/revoke", data={"csrf_token": token}
        )
        assert response.status_code == 404
    for token_id in bob_tokens:
        response = await alice.post(
            f"/account/tokens/{token_id}/revoke", data={"csrf_token": token}
        )
        assert response.status_code == 404
    assert (await bob.get("/api/v1/me")).status_code == 200
    assert await _ids(app, "bob") == (bob_id, bob_sessions, bob_tokens)


async def test_a_user_cannot_read_another_users_record(
    app: FastAPI, alice_and_bob: tuple[httpx.AsyncClient, httpx.AsyncClient]
) -> None:
    alice, _ = alice_and_bob
    bob_id, _, _ = await _ids(app, "bob")
    alice_id, _, _ = await _ids(app, "alice")
    assert (await alice.get(f"/api/v1/users/{bob_id}")).status_code == 404
    assert (await alice.get(f"/api/v1/users/{alice_id}")).json()["username"] == "alice"


@pytest.mark.parametrize("path", ADMIN_PAGES + ADMIN_API)
async def test_admin_routes_refuse_users(
    alice_and_bob: tuple[httpx.AsyncClient, httpx.AsyncClient], path: str
) -> None:
    alice, _ = alice_and_bob
    assert (await alice.get(path)).status_code == 403


async def test_admin_actions_refuse_users(
    app: FastAPI, alice_and_bob: tuple[httpx.AsyncClient, httpx.AsyncClient]
) -> None:
    alice, bob = alice_and_bob
    bob_id, _, _ = await _ids(app, "bob")
    token = await csrf_token(alice, "/account")
    for action in ("approve", "suspend", "delete", "role"):
        response = await alice.post(
            f"/admin/users/{bob_id}/{action}", data={"csrf_token": token, "role": "admin"}
        )
        assert response.status_code == 403
    assert (await bob.get("/api/v1/me")).json()["role"] == "user"


@pytest.mark.parametrize("path", ["/", "/account", *ADMIN_PAGES])
async def test_signed_out_pages_send_people_to_sign_in(
    client: httpx.AsyncClient, path: str
) -> None:
    response = await client.get(path)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/signin?next=")


@pytest.mark.parametrize("path", ["/api/v1/me", "/api/v1/users/1", *ADMIN_API])
async def test_signed_out_api_is_401_problem(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"


# --- generated from the route table: a new route cannot be left out ---------------------------

PUBLIC = {
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("GET", "/metrics"),
    ("GET", "/events"),  # answers only signed-in people itself (401 otherwise)
    ("GET", "/signin"),
    ("POST", "/signin/local"),
    ("GET", "/auth/plex"),
    ("POST", "/auth/plex/pin"),
    ("GET", "/auth/plex/pin/{pin_id}"),
    ("GET", "/auth/plex/callback"),
    ("GET", "/auth/waiting"),  # answers only about the browser's own pending sign-in
    ("POST", "/signout"),
    ("POST", "/api/v1/webhooks/uptime-kuma"),
    ("POST", "/api/v1/webhooks/overseerr"),
    ("GET", "/docs"),
    ("GET", "/docs/search"),
    ("GET", "/docs/{slug}"),
}


def test_every_route_is_public_on_purpose_or_needs_a_sign_in(app: FastAPI) -> None:
    table = {(e.method, e.path): access_of(e.route) for e in route_table(app)}
    unguarded = {key for key, access in table.items() if access in ("open", "webhook")}
    assert unguarded == PUBLIC, "classify new routes: sign-in, admin, or PUBLIC here"


async def test_signed_out_callers_reach_no_guarded_route(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    token = await csrf_token(client)
    for entry in route_table(app):
        if access_of(entry.route) not in ("signed_in", "admin"):
            continue
        answer = await client.request(
            entry.method, entry.filled(), headers={"x-csrf-token": token}, json={}
        )
        where = (entry.method, entry.path, answer.status_code)
        if entry.path.startswith("/api/"):
            assert answer.status_code == 401, where
        else:
            assert answer.status_code in (303, 204), where
            location = answer.headers.get("location") or answer.headers.get("hx-redirect", "")
            assert location.startswith("/signin"), where


async def test_users_reach_no_admin_route(app: FastAPI, login: Login) -> None:
    alice = await login("alice")
    token = await csrf_token(alice, "/account")
    checked = 0
    for entry in route_table(app):
        if access_of(entry.route) != "admin":
            continue
        answer = await alice.request(
            entry.method, entry.filled(), headers={"x-csrf-token": token}, json={}
        )
        assert answer.status_code == 403, (entry.method, entry.path, answer.status_code)
        checked += 1
    assert checked > 20
    assert (await alice.get("/api/v1/me")).json()["role"] == "user"
