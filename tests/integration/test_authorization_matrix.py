"""A user reaches only their own things, through every route; admin routes need an admin."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import inspect, select

from medianest.persistence.models import (
    ApiToken,
    DocsPage,
    DownloadJob,
    MediaRequest,
    Notification,
    QuickLink,
    User,
    UserSession,
)
from medianest.web.openapi import access_of
from tests.conftest import Login, PlexWorld
from tests.support.downloads import MediaHost, download_overrides
from tests.support.routes import CHANGING, RouteEntry, route_table
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


# --- cross-user: every route with an object in its path, on someone else's object ------------

# Path parameters that name the same thing for everyone (a catalog, not a person's object).
SHARED_PARAMS = {
    "service_id": "a monitored service on the shared dashboard",
    "section_id": "a Plex library section",
    "rating_key": "a Plex library item",
    "media_type": "a catalog lookup (movie or tv)",
    "tmdb_id": "a catalog lookup",
    "size": "a poster size",
    "name": "a catalog poster file",
    "slug": "a public docs page",
    "pin_id": "the browser's own pending Plex sign-in",
    "service": "an integration (admin routes only)",
}
# Every action any {action} route knows, tried on each (unknown ones answer 404 anyway).
ACTIONS = [
    "approve", "suspend", "reactivate", "role", "delete",
    "cancel", "retry", "retry-plex", "up", "down", "hide", "show",
]  # fmt: skip
OWNED = (User, UserSession, ApiToken, DownloadJob, MediaRequest, Notification)
SHARED_ROWS = (QuickLink, DocsPage)


@pytest.fixture
def settings_overrides(media_host: MediaHost, plex_world: PlexWorld) -> dict[str, object]:
    return download_overrides(media_host, plex_world, embedded_worker=False)


async def _alices_objects(
    app: FastAPI, alice: httpx.AsyncClient, media_host: MediaHost
) -> dict[str, str]:
    """One object of every kind a path can name, owned by alice (or, for admin-run things,
    by nobody a plain user may touch): path parameter -> id."""
    token = await csrf_token(alice, "/account")
    await alice.post("/account/tokens", data={"csrf_token": token, "name": "alice's script"})
    preview = await alice.post(
        "/downloads/preview", data={"csrf_token": token, "url": media_host.watch("single-sunrise")}
    )
    found = re.search(r'name="token" value="([^"]+)"', preview.text)
    assert found, preview.text
    alice_id, sessions, tokens = await _ids(app, "alice")
    async with app.state.container.sessions.begin() as db:
        job = DownloadJob(
            user_id=alice_id, url=media_host.watch("single-sunrise"), quality="best",
            kind="video", source_id="single-sunrise", title="Alice's video", state="failed",
            folder="alice/Videos", error="Nothing could be downloaded.",
        )  # fmt: skip
        request = MediaRequest(user_id=alice_id, media_type="movie", tmdb_id=603, title="Alice's")
        note = Notification(user_id=alice_id, kind="download_failed", title="Alice's note")
        link = QuickLink(title="Alice's link", url="http://127.0.0.1:9/", icon="link")
        page = DocsPage(slug="alices-page", title="Alice's page", body="hello")
        db.add_all([job, request, note, link, page])
        await db.flush()
        ids = {
            "job_id": job.id, "request_id": request.id, "notification_id": note.id,
            "link_id": link.id, "page_id": page.id,
        }  # fmt: skip
    return {
        **{key: str(value) for key, value in ids.items()},
        "user_id": str(alice_id),
        "session_id": str(sessions[0]),
        "token_id": str(tokens[0]),
        "token": found.group(1),
    }


async def _snapshot(app: FastAPI, alice_id: int) -> dict[str, list[dict[str, Any]]]:
    """Every column of alice's rows and of the shared admin-run rows."""
    out: dict[str, list[dict[str, Any]]] = {}
    async with app.state.container.sessions() as db:
        for model in (*OWNED, *SHARED_ROWS):
            query = select(model)
            if model is User:
                query = query.where(User.id == alice_id)
            elif model in OWNED:
                query = query.where(model.user_id == alice_id)  # type: ignore[attr-defined]
            rows = (await db.scalars(query.order_by(model.id))).all()  # type: ignore[attr-defined]
            columns = [c.key for c in inspect(model).column_attrs if not c.deferred]
            out[model.__tablename__] = [{c: getattr(r, c) for c in columns} for r in rows]
    return out


def _object_routes(app: FastAPI, objects: dict[str, str]) -> list[tuple[RouteEntry, list[str]]]:
    """Routes naming an object, with the paths to try; fails on a parameter nobody classified."""
    routes, unknown = [], []
    for entry in route_table(app):
        params = [p for p in entry.params if p != "action"]
        if not params or access_of(entry.route) in ("open", "webhook"):
            continue
        if any(p not in objects and p not in SHARED_PARAMS for p in params):
            unknown.append(f"{entry.method} {entry.path}")
            continue
        if all(p in SHARED_PARAMS for p in params):
            continue
        filled = re.sub(
            r"\{([^}:]+)[^}]*\}",
            lambda m: "{action}" if m.group(1) == "action" else objects.get(m.group(1), "1"),
            entry.path,
        )
        actions = ACTIONS if "{action}" in filled else [""]
        routes.append((entry, [filled.replace("{action}", a) for a in actions]))
    assert not unknown, (
        "These routes name an object the cross-user test has no fixture for: "
        f"{unknown}. Add one owned by alice to _alices_objects (or, if everyone sees the same "
        "thing, its parameter to SHARED_PARAMS)."
    )
    return routes


async def test_a_user_reaches_no_one_elses_object_through_any_route(
    app: FastAPI, login: Login, media_host: MediaHost
) -> None:
    alice, bob = await login("alice"), await login("bob")
    objects = await _alices_objects(app, alice, media_host)
    before = await _snapshot(app, int(objects["user_id"]))
    token = await csrf_token(bob, "/account")
    tried: set[str] = set()
    for entry, paths in _object_routes(app, objects):
        for path in paths:
            if entry.path.startswith("/api/"):
                answer = await bob.request(
                    entry.method, path, headers={"x-csrf-token": token}, json={}
                )
            elif entry.method in CHANGING:
                answer = await bob.request(
                    entry.method, path, data={"csrf_token": token, "role": "admin"}
                )
            else:
                answer = await bob.get(path)
            assert answer.status_code in (403, 404), (entry.method, path, answer.status_code)
        tried.add(entry.path.split("/{")[0])
    assert {"/api/v1/downloads", "/requests", "/inbox", "/account/sessions", "/account/tokens",
            "/admin/links", "/admin/docs", "/api/v1/users", "/downloads/preview"} <= tried  # fmt: skip
    assert await _snapshot(app, int(objects["user_id"])) == before
    assert (await alice.get("/api/v1/me")).json()["username"] == "alice"  # still signed in


def test_an_object_route_without_a_fixture_fails_the_matrix(app: FastAPI) -> None:
    with pytest.raises(AssertionError, match="Add one owned by alice"):
        _object_routes(app, {"job_id": "1"})
