"""Who sees and withdraws which request, through the pages and the API; what happens to a
deleted person's requests."""

from __future__ import annotations

import httpx

from tests.conftest import Login
from tests.support.overseerr_world import (  # noqa: F401 - fixtures
    OverseerrWorld,
    overseerr_overrides,
    overseerr_world,
)
from tests.support.signin import api_client, csrf_token


async def _request_movie(
    world: OverseerrWorld, who: httpx.AsyncClient, skip: int
) -> dict[str, object]:
    response = await who.post(
        "/api/v1/requests", json={"media_type": "movie", "tmdb_id": world.fresh(skip=skip).tmdb_id}
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


async def test_a_person_cannot_see_or_withdraw_anothers_request(
    overseerr: OverseerrWorld, login: Login
) -> None:
    alice, bob = await api_client(login, "alice"), await api_client(login, "bob")
    alices = await _request_movie(overseerr, alice, 0)
    bobs = await _request_movie(overseerr, bob, 1)
    rid = alices["id"]

    assert (await bob.get(f"/api/v1/requests/{rid}")).status_code == 404
    assert (await bob.delete(f"/api/v1/requests/{rid}")).status_code == 404
    assert (await bob.get("/api/v1/requests/999999")).status_code == 404  # same answer as missing
    listed = await bob.get("/api/v1/requests", params={"user_id": await overseerr.user_id("alice")})
    assert [r["id"] for r in listed.json()["results"]] == [bobs["id"]]
    page = await bob.get("/requests/mine")
    assert str(alices["title"]) not in page.text and str(bobs["title"]) in page.text
    token = await csrf_token(bob, "/requests/mine")
    assert (
        await bob.post(f"/requests/{rid}/withdraw", data={"csrf_token": token})
    ).status_code == 404
    assert (await bob.get("/requests/all")).status_code == 403
    assert (await alice.get(f"/api/v1/requests/{rid}")).status_code == 200
    assert overseerr.state.requests.get(int(alices["overseerr_request_id"])) is not None  # type: ignore[call-overload]


async def test_admin_sees_everyone_and_filters(overseerr: OverseerrWorld, login: Login) -> None:
    alice, bob = await api_client(login, "alice"), await api_client(login, "bob")
    owner = await api_client(login, "nestowner")
    alices = await _request_movie(overseerr, alice, 0)
    await _request_movie(overseerr, bob, 1)
    everyone = await owner.get("/api/v1/requests")
    assert everyone.json()["total"] == 2
    only_alice = await owner.get(
        "/api/v1/requests", params={"user_id": await overseerr.user_id("alice")}
    )
    assert [r["id"] for r in only_alice.json()["results"]] == [alices["id"]]
    assert (await owner.get("/api/v1/requests", params={"mine": "true"})).json()["total"] == 0
    assert (await owner.get(f"/api/v1/requests/{alices['id']}")).json()["requested_by"] == "Alice"
    page = await owner.get("/requests/all", params={"user": await overseerr.user_id("bob")})
    assert page.status_code == 200
    assert str(alices["title"]) not in page.text
    filtered = await owner.get("/requests/all", params={"status": "pending", "type": "movie"})
    assert str(alices["title"]) in filtered.text and "Alice" in filtered.text


async def test_withdrawing_own_pending_request_removes_it_there_and_here(
    overseerr: OverseerrWorld, login: Login
) -> None:
    alice = await api_client(login, "alice")
    first = await _request_movie(overseerr, alice, 0)
    second = await _request_movie(overseerr, alice, 1)
    gone = await alice.delete(f"/api/v1/requests/{first['id']}")
    assert gone.status_code == 204
    assert int(first["overseerr_request_id"]) not in overseerr.state.requests  # type: ignore[call-overload]
    deletes = [r for r in overseerr.recorder.requests if r.method == "DELETE"]
    assert deletes[-1].headers["X-API-User"] == "2"  # as Alice, not as the admin
    assert (await alice.get(f"/api/v1/requests/{first['id']}")).status_code == 404

    overseerr.state.advance(int(second["overseerr_request_id"]), "approved")  # type: ignore[call-overload]
    await overseerr.settle()
    late = await alice.delete(f"/api/v1/requests/{second['id']}")
    assert late.status_code == 409
    token = await csrf_token(alice, "/requests/mine")
    page = await alice.post(f"/requests/{second['id']}/withdraw", data={"csrf_token": token})
    assert page.status_code == 409 and "still waiting for approval" in page.text


async def test_withdraw_through_the_page(overseerr: OverseerrWorld, login: Login) -> None:
    alice = await api_client(login, "alice")
    made = await _request_movie(overseerr, alice, 0)
    mine = await alice.get("/requests/mine")
    assert f'action="/requests/{made["id"]}/withdraw"' in mine.text
    token = await csrf_token(alice, "/requests/mine")
    done = await alice.post(f"/requests/{made['id']}/withdraw", data={"csrf_token": token})
    assert done.status_code == 303 and done.headers["location"] == "/requests/mine?withdrawn=1"
    assert await overseerr.rows() == []


async def test_request_form_without_javascript_redirects_to_my_requests(
    overseerr: OverseerrWorld, login: Login
) -> None:
    alice = await api_client(login, "alice")
    show = overseerr.fresh("tv", seasons=3)
    dialog = await alice.get(f"/requests/new/tv/{show.tmdb_id}")
    assert "<html" in dialog.text and "Confirm request" in dialog.text
    token = await csrf_token(alice, f"/requests/new/tv/{show.tmdb_id}")
    form = {"csrf_token": token, "media_type": "tv", "tmdb_id": str(show.tmdb_id)}
    none_ticked = await alice.post("/requests", data=form | {"seasons_mode": "some"})
    assert none_ticked.status_code == 422 and "at least one season" in none_ticked.text
    made = await alice.post("/requests", data=form | {"season": ["1", "3"]})
    assert made.status_code == 303 and made.headers["location"].startswith(
        "/requests/mine?created="
    )
    (row,) = await overseerr.rows()
    assert row.seasons == [1, 3]
    listed = await alice.get(made.headers["location"])
    assert "Seasons 1, 3" in listed.text and "Pending approval" in listed.text
    htmx = await alice.post(
        "/requests",
        data={
            "csrf_token": token,
            "media_type": "movie",
            "tmdb_id": str(overseerr.fresh().tmdb_id),
        },
        headers={"HX-Request": "true"},
    )
    assert (
        htmx.status_code == 200 and "Requested" in htmx.text and 'hx-swap-oob="true"' in htmx.text
    )
    missing_csrf = await alice.post(
        "/requests", data={"media_type": "movie", "tmdb_id": "1"}, headers={"X-CSRF-Token": ""}
    )
    assert missing_csrf.status_code == 403


async def test_deleting_a_person_hands_their_requests_over_or_removes_them(
    overseerr: OverseerrWorld, login: Login
) -> None:
    alice, bob = await api_client(login, "alice"), await api_client(login, "bob")
    admin = await api_client(login, "admin")
    await _request_movie(overseerr, alice, 0)
    await _request_movie(overseerr, bob, 1)
    alice_id, bob_id = await overseerr.user_id("alice"), await overseerr.user_id("bob")
    token = await csrf_token(admin, "/admin/users")
    moved = await admin.post(
        f"/admin/users/{alice_id}/delete", data={"csrf_token": token, "reassign_to": str(bob_id)}
    )
    assert moved.status_code in (200, 303), moved.text
    assert [r.user_id for r in await overseerr.rows()] == [bob_id, bob_id]
    gone = await admin.post(
        f"/admin/users/{bob_id}/delete", data={"csrf_token": token, "reassign_to": ""}
    )
    assert gone.status_code in (200, 303), gone.text
    assert await overseerr.rows() == []


async def test_admin_can_check_every_open_request_now(
    overseerr: OverseerrWorld, login: Login
) -> None:
    alice, owner = await api_client(login, "alice"), await api_client(login, "nestowner")
    made = await _request_movie(overseerr, alice, 0)
    overseerr.state.webhook_enabled = False
    overseerr.state.advance(int(made["overseerr_request_id"]), "declined")  # type: ignore[call-overload]
    token = await csrf_token(owner, "/requests/all")
    synced = await owner.post("/requests/sync", data={"csrf_token": token})
    assert synced.status_code == 303 and "changed=1" in synced.headers["location"]
    assert "Declined" in (await owner.get(synced.headers["location"])).text
    token = await csrf_token(alice, "/requests/mine")
    assert (await alice.post("/requests/sync", data={"csrf_token": token})).status_code == 403
