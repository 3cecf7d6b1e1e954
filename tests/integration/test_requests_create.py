"""Filing requests through the fake Overseerr: movies, shows with seasons, made *as* the person
(X-API-User), duplicates, quota, people without an Overseerr account, and the hourly limit."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import update

from medianest.persistence.models import OverseerrAccount
from medianest.persistence.types import utcnow
from tests.conftest import Login
from tests.support.overseerr_world import (  # noqa: F401 - fixtures
    ALICE_ID,
    BOB_ID,
    OverseerrWorld,
    overseerr_overrides,
    overseerr_world,
)
from tests.support.signin import api_client, csrf_token


async def test_movie_request_is_made_as_the_person_and_stored(
    overseerr: OverseerrWorld, login: Login
) -> None:
    alice = await api_client(login, "alice")
    movie = overseerr.fresh("movie")
    response = await alice.post(
        "/api/v1/requests", json={"media_type": "movie", "tmdb_id": movie.tmdb_id}
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["title"], body["status"], body["seasons"]) == (movie.title, "pending", None)
    assert body["status_label"] == "Pending approval"
    posted = overseerr.recorder.posts()
    assert [p.headers.get("X-API-User") for p in posted] == [str(ALICE_ID)]
    remote = overseerr.state.requests[body["overseerr_request_id"]]
    assert remote.requested_by_id == ALICE_ID  # Overseerr filed it under Alice, not the admin
    (row,) = await overseerr.rows()
    assert (row.user_id, row.tmdb_id, row.year) == (
        await overseerr.user_id("alice"),
        movie.tmdb_id,
        movie.year,
    )
    assert row.poster_path == movie.poster_path
    fetched = await alice.get(f"/api/v1/requests/{body['id']}")
    assert fetched.json()["overseerr_request_id"] == remote.id


async def test_admin_with_auto_approval_gets_an_approved_request(
    overseerr: OverseerrWorld, login: Login
) -> None:
    owner = await api_client(login, "nestowner")
    movie = overseerr.fresh("movie")
    response = await owner.post(
        "/api/v1/requests", json={"media_type": "movie", "tmdb_id": movie.tmdb_id}
    )
    assert response.status_code == 201, response.text
    assert response.json()["status"] in ("approved", "processing")
    await overseerr.settle()
    assert (await overseerr.row(response.json()["id"])).status == response.json()["status"]


async def test_show_request_with_chosen_seasons_and_with_all(
    overseerr: OverseerrWorld, login: Login
) -> None:
    alice, bob = await api_client(login, "alice"), await api_client(login, "bob")
    show = overseerr.fresh("tv", seasons=3)
    chosen = await alice.post(
        "/api/v1/requests", json={"media_type": "tv", "tmdb_id": show.tmdb_id, "seasons": [2, 1]}
    )
    assert chosen.status_code == 201, chosen.text
    assert chosen.json()["seasons"] == [1, 2]
    remote = overseerr.state.requests[chosen.json()["overseerr_request_id"]]
    assert sorted(s.season_number for s in remote.seasons) == [1, 2]

    again = await bob.post(
        "/api/v1/requests", json={"media_type": "tv", "tmdb_id": show.tmdb_id, "seasons": [2]}
    )
    assert again.status_code == 409
    assert "Season 2" in again.json()["detail"]
    rest = await bob.post(
        "/api/v1/requests", json={"media_type": "tv", "tmdb_id": show.tmdb_id, "seasons": "all"}
    )
    assert rest.status_code == 201, rest.text
    assert rest.json()["seasons"] == [n for n in show.regular_seasons() if n > 2]
    assert overseerr.recorder.posts()[-1].headers["X-API-User"] == str(BOB_ID)
    nothing_left = await alice.post(
        "/api/v1/requests", json={"media_type": "tv", "tmdb_id": show.tmdb_id}
    )
    assert nothing_left.status_code == 409
    assert "Every season" in nothing_left.json()["detail"]
    strange = await alice.post(
        "/api/v1/requests", json={"media_type": "tv", "tmdb_id": show.tmdb_id, "seasons": [99]}
    )
    assert strange.status_code == 422
    assert len(overseerr.recorder.posts()) == 2


async def test_season_picker_shows_available_and_requested_seasons_as_taken(
    overseerr: OverseerrWorld, login: Login
) -> None:
    alice = await api_client(login, "alice")
    show = overseerr.fresh("tv", seasons=3)
    overseerr.state.mark_available(show.tmdb_id, "tv", seasons=[1])
    await alice.post(
        "/api/v1/requests", json={"media_type": "tv", "tmdb_id": show.tmdb_id, "seasons": [2]}
    )
    dialog = await alice.get(f"/requests/new/tv/{show.tmdb_id}", headers={"HX-Request": "true"})
    assert dialog.status_code == 200
    text = dialog.text
    assert 'name="season" value="1" disabled' in text and "Available" in text
    assert 'name="season" value="2" disabled' in text and "Requested" in text
    assert 'name="season" value="3">' in text
    assert "<html" not in text  # the dialog is a fragment


async def test_duplicates_are_stopped_before_overseerr(
    overseerr: OverseerrWorld, login: Login
) -> None:
    alice, bob = await api_client(login, "alice"), await api_client(login, "bob")
    movie = overseerr.fresh("movie")
    body = {"media_type": "movie", "tmdb_id": movie.tmdb_id}
    assert (await alice.post("/api/v1/requests", json=body)).status_code == 201
    mine = await alice.post("/api/v1/requests", json=body)
    theirs = await bob.post("/api/v1/requests", json=body)
    assert (mine.status_code, theirs.status_code) == (409, 409)
    assert "You already requested" in mine.json()["detail"]
    assert "already been requested" in theirs.json()["detail"]
    in_plex = overseerr.fresh("movie", skip=1)
    overseerr.state.mark_available(in_plex.tmdb_id, "movie")
    available = await alice.post(
        "/api/v1/requests", json={"media_type": "movie", "tmdb_id": in_plex.tmdb_id}
    )
    assert available.status_code == 409
    assert len(overseerr.recorder.posts()) == 1  # only the first one reached Overseerr


async def test_overseerr_own_409_is_translated(overseerr: OverseerrWorld, login: Login) -> None:
    """Requested in Overseerr directly (not through MediaNest) while its media row looks free."""
    alice = await api_client(login, "alice")
    movie = overseerr.fresh("movie")
    direct = overseerr.state.create_request(BOB_ID, mediaType="movie", mediaId=movie.tmdb_id)
    overseerr.state.force_status(direct.id, media_status=1)  # UNKNOWN: details say requestable
    response = await alice.post(
        "/api/v1/requests", json={"media_type": "movie", "tmdb_id": movie.tmdb_id}
    )
    assert response.status_code == 409
    assert "already been requested in Overseerr" in response.json()["detail"]
    assert await overseerr.rows() == []


async def test_quota_exceeded_is_explained(overseerr: OverseerrWorld, login: Login) -> None:
    bob = await api_client(login, "bob")  # 3 movies per 7 days, 2 used by the demo
    first = await bob.post(
        "/api/v1/requests", json={"media_type": "movie", "tmdb_id": overseerr.fresh().tmdb_id}
    )
    assert first.status_code == 201, first.text
    second = await bob.post(
        "/api/v1/requests",
        json={"media_type": "movie", "tmdb_id": overseerr.fresh(skip=1).tmdb_id},
    )
    assert second.status_code == 403
    assert "request limit is used up" in second.json()["detail"]
    assert len(await overseerr.rows()) == 1


async def test_person_without_overseerr_account_is_told_and_nothing_is_filed(
    overseerr: OverseerrWorld, login: Login
) -> None:
    removed = overseerr.state.users.pop(ALICE_ID)
    alice = await api_client(login, "alice")
    movie = overseerr.fresh()
    refused = await alice.post(
        "/api/v1/requests", json={"media_type": "movie", "tmdb_id": movie.tmdb_id}
    )
    assert refused.status_code == 403
    assert "no Overseerr account" in refused.json()["detail"]
    assert overseerr.recorder.posts() == []
    page = await alice.get("/requests", params={"q": movie.title})
    assert "no Overseerr account yet" in page.text
    assert "Import Plex Users" not in page.text  # the hint is for admins
    assert f"/requests/new/movie/{movie.tmdb_id}" not in page.text
    assert "(not possible right now)" in page.text  # the Request button is there, but disabled

    overseerr.state.users[ALICE_ID] = removed  # the admin imported her
    still_cached = await alice.post(
        "/api/v1/requests", json={"media_type": "movie", "tmdb_id": movie.tmdb_id}
    )
    assert still_cached.status_code == 403
    async with overseerr.app.state.container.sessions.begin() as db:
        await db.execute(update(OverseerrAccount).values(checked_at=utcnow() - timedelta(hours=1)))
    rechecked = await alice.post(
        "/api/v1/requests", json={"media_type": "movie", "tmdb_id": movie.tmdb_id}
    )
    assert rechecked.status_code == 201, rechecked.text


async def test_local_admin_cannot_request_and_sees_the_reason(
    overseerr: OverseerrWorld, login: Login
) -> None:
    admin = await api_client(login, "admin")
    refused = await admin.post(
        "/api/v1/requests", json={"media_type": "movie", "tmdb_id": overseerr.fresh().tmdb_id}
    )
    assert refused.status_code == 403
    assert "local MediaNest account" in refused.json()["detail"]
    assert overseerr.recorder.posts() == []


async def test_admin_without_overseerr_link_gets_the_import_hint(
    overseerr: OverseerrWorld, login: Login
) -> None:
    overseerr.state.users[1].plex_id = 999  # the owner's Overseerr user no longer matches
    owner = await api_client(login, "nestowner")
    page = await owner.get("/requests")
    assert "Import Plex Users" in page.text
    token = await csrf_token(owner, "/requests")
    dialog = await owner.post(
        "/requests",
        data={"csrf_token": token, "media_type": "movie", "tmdb_id": overseerr.fresh().tmdb_id},
        headers={"HX-Request": "true"},
    )
    assert "Import Plex Users" in dialog.text


async def test_hourly_limit_answers_429_with_retry_after_and_a_friendly_page(
    overseerr: OverseerrWorld, login: Login
) -> None:
    live = overseerr.service.live  # as if MEDIANEST_REQUESTS_PER_HOUR=2
    assert live is not None
    live.defaults = live.defaults.model_copy(update={"requests_per_hour": 2})
    live.forget()
    alice = await api_client(login, "alice")
    for skip in range(2):
        ok = await alice.post(
            "/api/v1/requests",
            json={"media_type": "movie", "tmdb_id": overseerr.fresh(skip=skip).tmdb_id},
        )
        assert ok.status_code == 201, ok.text
    over = await alice.post(
        "/api/v1/requests", json={"media_type": "movie", "tmdb_id": overseerr.fresh(skip=2).tmdb_id}
    )
    assert over.status_code == 429
    assert 0 < int(over.headers["retry-after"]) <= 3600
    token = await csrf_token(alice, "/requests")
    page = await alice.post(
        "/requests",
        data={
            "csrf_token": token,
            "media_type": "movie",
            "tmdb_id": overseerr.fresh(skip=3).tmdb_id,
        },
    )
    assert page.status_code == 429
    assert "which is the limit" in page.text
    assert len(overseerr.recorder.posts()) == 2


async def test_two_first_requests_at_once_both_go_through(
    overseerr: OverseerrWorld, login: Login
) -> None:
    alice = await api_client(login, "alice")
    movies = [overseerr.fresh("movie"), overseerr.fresh("movie", skip=1)]
    answers = await asyncio.gather(
        *(
            alice.post("/api/v1/requests", json={"media_type": "movie", "tmdb_id": m.tmdb_id})
            for m in movies
        )
    )
    assert [a.status_code for a in answers] == [201, 201], [a.text for a in answers]
    assert len(await overseerr.rows()) == 2
