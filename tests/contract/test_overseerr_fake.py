"""Contract tests: the Overseerr fake answers like Overseerr (``docs/protocols/overseerr.md``).

Every 2xx body is validated against the response schema of its operation in Overseerr's own
OpenAPI document (``tests/reference/overseerr/overseerr-api.yml``) with openapi-core; search
results are additionally checked against ``MovieResult``/``TvResult``/``PersonResult`` one by
one, because the operation's ``anyOf`` would let almost anything through as a PersonResult.
"""

from __future__ import annotations

import copy
import io
import json
import time
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import httpx
import pytest
import yaml
from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse
from openapi_schema_validator import OAS30ReadValidator
from PIL import Image
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from medianest.demo import identities
from medianest.integrations.fakekit import FakeServer
from medianest.integrations.overseerr.fake import OverseerrFakeState, create_app
from medianest.integrations.overseerr.fake_catalog import CatalogItem, demo_catalog_entries
from medianest.integrations.overseerr.fake_model import (
    MediaStatus,
    Notification,
    Permission,
    RequestStatus,
)
from tests.support.reference import reference_path

SPEC_PATH = reference_path("overseerr", "overseerr-api.yml")
HOST = "http://localhost:5055"
KEY = {"X-Api-Key": identities.OVERSEERR_API_KEY}
ALICE = {**KEY, "X-API-User": "2"}
BOB = {**KEY, "X-API-User": "3"}
FORBIDDEN = {"status": 403, "error": "You do not have permission to access this endpoint"}
RESERVED = "Parameter 'query' must be url encoded. Its value may not contain reserved characters."

# -- fixtures -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    return dict(yaml.safe_load(SPEC_PATH.read_text()))


@pytest.fixture(scope="module")
def openapi() -> OpenAPI:
    return OpenAPI.from_file_path(str(SPEC_PATH))


@pytest.fixture
def check(openapi: OpenAPI) -> Callable[[httpx.Response], Any]:
    """Validate a response against its operation's response schema; return the JSON body."""

    def validate(response: httpx.Response) -> Any:
        request = MockRequest(HOST, response.request.method.lower(), response.request.url.path)
        body = MockResponse(response.content, response.status_code, content_type="application/json")
        openapi.validate_response(request, body)
        return response.json() if response.content else None

    return validate


@pytest.fixture(scope="module")
def schema(spec: dict[str, Any]) -> Callable[[str], OAS30ReadValidator]:
    """A response-side validator for one component schema, e.g. ``schema("MovieResult")``."""

    def make(name: str) -> OAS30ReadValidator:
        return OAS30ReadValidator(
            {"$ref": f"#/components/schemas/{name}", "components": spec["components"]}
        )

    return make


@pytest.fixture
def state() -> OverseerrFakeState:
    return OverseerrFakeState.demo(seed=1)


@pytest.fixture
async def client(state: OverseerrFakeState) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(state))
    async with httpx.AsyncClient(transport=transport, base_url=HOST) as http:
        yield http


class Receiver:
    """A tiny webhook endpoint on a real port that records what it was sent."""

    def __init__(self, status: int = 200) -> None:
        self.calls: list[tuple[dict[str, str], Any]] = []
        self.status = status

        async def hook(request: Request) -> Response:
            self.calls.append((dict(request.headers), json.loads(await request.body())))
            return JSONResponse({"ok": True}, status_code=self.status)

        self.app = Starlette(routes=[Route("/hook", hook, methods=["POST"])])


@pytest.fixture
def receiver() -> Iterator[tuple[Receiver, str]]:
    hook = Receiver()
    with FakeServer(hook.app) as server:
        yield hook, f"{server.url}/hook"


def validate_result(schema: Callable[[str], OAS30ReadValidator], result: dict[str, Any]) -> None:
    """Check one search result against the component schema its ``mediaType`` names.

    ``PersonResult.knownFor`` is ``oneOf [MovieResult, TvResult]``, which no movie can satisfy
    (TvResult requires nothing, so a movie matches both); each entry is checked on its own.
    """
    names = {"movie": "MovieResult", "tv": "TvResult", "person": "PersonResult"}
    known_for = result.get("knownFor", [])
    schema(names[result["mediaType"]]).validate(
        {k: v for k, v in result.items() if k != "knownFor"}
    )
    for entry in known_for:
        schema(names[entry["mediaType"]]).validate(entry)


def fresh(state: OverseerrFakeState, media_type: str, min_seasons: int = 0) -> CatalogItem:
    """A catalog title Overseerr has no Media row for yet."""
    pool = state.catalog.movies if media_type == "movie" else state.catalog.shows
    return next(
        item
        for item in pool.values()
        if state.media_for(media_type, item.tmdb_id) is None
        and len(item.regular_seasons()) >= min_seasons
    )


def by_title(state: OverseerrFakeState, title: str) -> CatalogItem:
    return next(
        i
        for i in [*state.catalog.movies.values(), *state.catalog.shows.values()]
        if i.title == title
    )


# -- status and auth --------------------------------------------------------------------------


async def test_status_is_public_and_version_follows_flavor(
    client: httpx.AsyncClient, check: Any
) -> None:
    body = check(await client.get("/api/v1/status"))
    assert body["version"] == "1.33.2"
    assert body["updateAvailable"] is False and body["restartRequired"] is False
    seerr = OverseerrFakeState(flavor="seerr")
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(seerr)), base_url=HOST
    ) as http:
        assert (await http.get("/api/v1/status")).json()["version"] == "3.1.0"


@pytest.mark.parametrize(
    "headers",
    [{}, {"X-Api-Key": "wrong"}, {**KEY, "X-API-User": "99"}, {**KEY, "X-API-User": "abc"}],
    ids=["missing", "wrong", "unknown-user", "garbage-user"],
)
async def test_bad_credentials_get_403_with_overseerr_body(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    response = await client.get("/api/v1/request", headers=headers)
    assert response.status_code == 403
    assert response.json() == FORBIDDEN


async def test_revoked_key_is_403_and_faults_spare_fake_controls(
    client: httpx.AsyncClient, state: OverseerrFakeState
) -> None:
    state.faults.revoked = True
    assert (await client.get("/api/v1/user", headers=KEY)).json() == FORBIDDEN
    state.faults.revoked, state.faults.down = False, True
    assert (await client.get("/api/v1/status")).status_code == 503
    assert (await client.get("/__fake__/tmdb/t/p/w92/p1.jpg")).status_code == 200


# -- search -----------------------------------------------------------------------------------


async def test_search_rejects_plus_and_raw_reserved_chars_but_accepts_percent_encoding(
    client: httpx.AsyncClient, check: Any
) -> None:
    for raw in ("query=tom+jerry", "query=Mission:", "query=tom&query=a+b"):
        response = await client.get(f"/api/v1/search?{raw}", headers=KEY)
        assert response.status_code == 400, raw
        assert response.json() == {
            "message": RESERVED,
            "errors": [{"path": ".query.query", "message": RESERVED}],
        }
    # httpx's params= form-encodes a space as "+": exactly the client bug the 400 exists for
    assert (
        await client.get("/api/v1/search", params={"query": "tom jerry"}, headers=KEY)
    ).status_code == 400
    body = check(
        await client.get("/api/v1/search?query=tom%20%26%20jerry&page=1&language=en", headers=KEY)
    )
    assert [r["title"] for r in body["results"]] == ["Tom & Jerry's Midnight Run"]
    assert (await client.get("/api/v1/search?query=a&page=0", headers=KEY)).status_code == 500
    missing = await client.get("/api/v1/search", headers=KEY)
    assert missing.status_code == 400 and missing.json()["errors"][0]["path"] == ".query.query"


async def test_search_pages_and_result_shapes(
    client: httpx.AsyncClient, state: OverseerrFakeState, check: Any, schema: Any
) -> None:
    first = check(await client.get("/api/v1/search?query=the&page=1", headers=KEY))
    second = check(await client.get("/api/v1/search?query=the&page=2", headers=KEY))
    assert first["page"] == 1 and len(first["results"]) == 20
    assert first["totalPages"] == -(-first["totalResults"] // 20) >= 2
    assert {r["id"] for r in first["results"]}.isdisjoint({r["id"] for r in second["results"]})
    for result in first["results"] + second["results"]:
        validate_result(schema, result)
        media = state.media_for(result["mediaType"], result["id"])
        if media is None:
            assert "mediaInfo" not in result  # omitted, not null
        else:
            assert result["mediaInfo"]["status"] == media.status
            schema("MediaInfo").validate(result["mediaInfo"])


async def test_search_mixes_people_and_supports_tmdb_prefix(
    client: httpx.AsyncClient, state: OverseerrFakeState, check: Any, schema: Any
) -> None:
    person = next(iter(state.catalog.people.values()))
    body = check(await client.get(f"/api/v1/search?query={person.name.split()[0]}", headers=KEY))
    people = [r for r in body["results"] if r["mediaType"] == "person"]
    assert people and people[0]["knownFor"] and "mediaInfo" not in people[0]["knownFor"][0]
    validate_result(schema, people[0])
    movie = fresh(state, "movie")
    body = check(await client.get(f"/api/v1/search?query=tmdb%3A{movie.tmdb_id}", headers=KEY))
    assert [(r["id"], r["mediaType"]) for r in body["results"]] == [(movie.tmdb_id, "movie")]


# -- details ----------------------------------------------------------------------------------


async def test_movie_and_tv_details_carry_media_info_with_requests(
    client: httpx.AsyncClient, state: OverseerrFakeState, check: Any
) -> None:
    requested = state.requests[1]
    movie = state.item_of(state.media[requested.media_id])
    body = check(await client.get(f"/api/v1/movie/{movie.tmdb_id}", headers=ALICE))
    assert body["title"] == movie.title and body["posterPath"] == f"/p{movie.tmdb_id}.jpg"
    assert [r["id"] for r in body["mediaInfo"]["requests"]] == [1]
    show = by_title(state, "Law & Order: Nest Division")
    body = check(await client.get(f"/api/v1/tv/{show.tmdb_id}", headers=KEY))
    assert [s["seasonNumber"] for s in body["seasons"]] == list(range(10))  # specials + 9
    assert all(s["episodeCount"] > 0 for s in body["seasons"])
    assert {r["id"] for r in body["mediaInfo"]["requests"]} == {4, 10}
    assert [s["seasonNumber"] for s in body["mediaInfo"]["seasons"]] == [1]  # partially available
    season = check(await client.get(f"/api/v1/tv/{show.tmdb_id}/season/2", headers=KEY))
    episodes = [s.episode_count for s in show.seasons if s.season_number == 2]
    assert [len(season["episodes"])] == episodes
    assert "mediaInfo" not in check(
        await client.get(f"/api/v1/movie/{fresh(state, 'movie').tmdb_id}", headers=KEY)
    )


async def test_unknown_tmdb_ids_are_500_not_404(client: httpx.AsyncClient) -> None:
    movie = await client.get("/api/v1/movie/1", headers=KEY)
    assert (movie.status_code, movie.json()) == (500, {"message": "Unable to retrieve movie."})
    series = await client.get("/api/v1/tv/1", headers=KEY)
    assert (series.status_code, series.json()) == (500, {"message": "Unable to retrieve series."})


# -- creating requests ------------------------------------------------------------------------


async def test_request_as_user_is_pending_and_duplicate_is_409(
    client: httpx.AsyncClient, state: OverseerrFakeState, check: Any
) -> None:
    movie = fresh(state, "movie")
    response = await client.post(
        "/api/v1/request", json={"mediaType": "movie", "mediaId": movie.tmdb_id}, headers=ALICE
    )
    assert response.status_code == 201
    body = check(response)
    assert body["status"] == RequestStatus.PENDING and body["requestedBy"]["id"] == 2
    assert body["requestedBy"]["plexId"] == identities.ALICE.plex_id and body["modifiedBy"] is None
    assert (
        body["media"]["status"] == MediaStatus.PENDING and body["media"]["tmdbId"] == movie.tmdb_id
    )
    again = await client.post(
        "/api/v1/request", json={"mediaType": "movie", "mediaId": movie.tmdb_id}, headers=BOB
    )
    assert (again.status_code, again.json()) == (
        409,
        {"message": "Request for this media already exists."},
    )


async def test_admin_key_auto_approves_and_user_id_needs_permission(
    client: httpx.AsyncClient, state: OverseerrFakeState, check: Any
) -> None:
    movie, other = fresh(state, "movie"), list(state.catalog.movies.values())[-1]
    body = check(
        await client.post(
            "/api/v1/request",
            json={"mediaType": "movie", "mediaId": movie.tmdb_id, "userId": 3},
            headers=KEY,
        )
    )
    assert (body["status"], body["requestedBy"]["id"], body["modifiedBy"]["id"]) == (
        RequestStatus.APPROVED,
        3,
        1,
    )
    assert body["media"]["status"] == MediaStatus.PROCESSING
    denied = await client.post(
        "/api/v1/request",
        json={"mediaType": "movie", "mediaId": other.tmdb_id, "userId": 3},
        headers=ALICE,
    )
    assert denied.status_code == 403
    assert denied.json() == {"message": "You do not have permission to modify the request user."}
    state.users[2].permissions |= Permission.AUTO_APPROVE  # a trusted user, not an admin
    body = check(
        await client.post(
            "/api/v1/request", json={"mediaType": "movie", "mediaId": other.tmdb_id}, headers=ALICE
        )
    )
    assert (body["status"], body["requestedBy"]["id"], body["modifiedBy"]["id"]) == (
        RequestStatus.APPROVED,
        2,
        2,
    )


async def test_series_request_expands_all_and_202_when_nothing_left(
    client: httpx.AsyncClient, state: OverseerrFakeState, check: Any
) -> None:
    show = by_title(state, "Law & Order: Nest Division")  # 1-2 requested, 3 pending, 1 in Plex
    body = check(
        await client.post(
            "/api/v1/request",
            json={"mediaType": "tv", "mediaId": show.tmdb_id, "seasons": "all"},
            headers=BOB,
        )
    )
    assert [s["seasonNumber"] for s in body["seasons"]] == list(range(4, 10))
    assert body["seasonCount"] == 6 and body["type"] == "tv"
    for payload in ({"seasons": [2, 5]}, {"seasons": "all"}):
        response = await client.post(
            "/api/v1/request",
            json={"mediaType": "tv", "mediaId": show.tmdb_id, **payload},
            headers=ALICE,
        )
        assert (response.status_code, response.json()) == (
            202,
            {"message": "No seasons available to request"},
        )
    specials = by_title(state, "Specials Only")
    response = await client.post(
        "/api/v1/request",
        json={"mediaType": "tv", "mediaId": specials.tmdb_id, "seasons": "all"},
        headers=KEY,
    )
    assert response.status_code == 202


async def test_quotas_give_403_and_show_in_quota_endpoint(
    client: httpx.AsyncClient, state: OverseerrFakeState, check: Any
) -> None:
    quota = check(await client.get("/api/v1/user/3/quota", headers=BOB))
    assert quota["movie"] == {"days": 7, "limit": 3, "used": 2, "remaining": 1, "restricted": False}
    first, second = [
        i for i in state.catalog.movies.values() if state.media_for("movie", i.tmdb_id) is None
    ][:2]
    assert (
        await client.post(
            "/api/v1/request", json={"mediaType": "movie", "mediaId": first.tmdb_id}, headers=BOB
        )
    ).status_code == 201
    response = await client.post(
        "/api/v1/request", json={"mediaType": "movie", "mediaId": second.tmdb_id}, headers=BOB
    )
    assert (response.status_code, response.json()) == (403, {"message": "Movie Quota exceeded."})
    assert (
        check(await client.get("/api/v1/user/3/quota", headers=KEY))["movie"]["restricted"] is True
    )
    state.users[2].tv_quota_limit, state.users[2].tv_quota_days = 2, 7
    show = fresh(state, "tv", min_seasons=3)
    response = await client.post(
        "/api/v1/request",
        json={"mediaType": "tv", "mediaId": show.tmdb_id, "seasons": [1, 2, 3]},
        headers=ALICE,
    )
    assert (response.status_code, response.json()) == (403, {"message": "Series Quota exceeded."})
    other = await client.get("/api/v1/user/3/quota", headers=ALICE)
    assert other.status_code == 403


@pytest.mark.parametrize(
    ("payload", "path", "message"),
    [
        (
            {"mediaId": 5},
            ".body.mediaType",
            "request.body should have required property 'mediaType'",
        ),
        (
            {"mediaType": "movie"},
            ".body.mediaId",
            "request.body should have required property 'mediaId'",
        ),
        (
            {"mediaType": "movie", "mediaId": "603"},
            ".body.mediaId",
            "request.body.mediaId should be number",
        ),
        (
            {"mediaType": "book", "mediaId": 5},
            ".body.mediaType",
            "request.body.mediaType should be equal to one of the allowed values: movie, tv",
        ),
        (
            {"mediaType": "tv", "mediaId": 5, "seasons": "some"},
            ".body.seasons",
            "request.body.seasons should match exactly one schema in oneOf",
        ),
    ],
)
async def test_request_body_schema_violations_are_400(
    client: httpx.AsyncClient, payload: dict[str, Any], path: str, message: str
) -> None:
    response = await client.post("/api/v1/request", json=payload, headers=KEY)
    assert response.status_code == 400
    assert response.json()["message"] == message and response.json()["errors"][0]["path"] == path


# -- listing and managing requests ------------------------------------------------------------


async def test_request_list_pages_newest_first_and_filters(
    client: httpx.AsyncClient, state: OverseerrFakeState, check: Any
) -> None:
    page = check(await client.get("/api/v1/request?take=5&skip=5", headers=KEY))
    assert page["pageInfo"] == {"pages": 3, "pageSize": 5, "results": 13, "page": 2}
    assert [r["id"] for r in page["results"]] == [8, 7, 6, 5, 4]

    async def listed(name: str) -> list[dict[str, Any]]:
        return list(
            check(await client.get(f"/api/v1/request?take=50&filter={name}", headers=KEY))[
                "results"
            ]
        )

    assert {r["status"] for r in await listed("pending")} == {RequestStatus.PENDING}
    assert {r["status"] for r in await listed("failed")} == {RequestStatus.FAILED}
    available = await listed("available")
    assert available and all(r["media"]["status"] == MediaStatus.AVAILABLE for r in available)
    processing = await listed("processing")
    assert processing and all(r["status"] == 2 and r["media"]["status"] != 5 for r in processing)
    assert {r["status"] for r in await listed("unavailable")} == {1, 2}
    assert len(await listed("all")) == 13
    bad = await client.get("/api/v1/request?filter=completed", headers=KEY)  # Seerr-only filter
    assert (
        bad.status_code == 400 and bad.json()["errors"][0]["errorCode"] == "enum.openapi.validation"
    )


async def test_users_see_only_their_own_requests(client: httpx.AsyncClient, check: Any) -> None:
    own = check(await client.get("/api/v1/request?take=50", headers=ALICE))
    assert own["results"] and {r["requestedBy"]["id"] for r in own["results"]} == {2}
    response = await client.get("/api/v1/request?requestedBy=3", headers=ALICE)
    assert (response.status_code, response.json()) == (
        403,
        {"message": "You do not have permission to view this user's requests."},
    )
    bobs = check(await client.get("/api/v1/request?requestedBy=3&take=50", headers=KEY))
    assert {r["requestedBy"]["id"] for r in bobs["results"]} == {3}


async def test_get_request_404_and_counts(client: httpx.AsyncClient, check: Any) -> None:
    missing = await client.get("/api/v1/request/999", headers=KEY)
    assert (missing.status_code, missing.json()) == (404, {"message": "Request not found."})
    assert check(await client.get("/api/v1/request/1", headers=ALICE))["id"] == 1
    assert (await client.get("/api/v1/request/2", headers=ALICE)).status_code == 403  # bob's
    counts = check(await client.get("/api/v1/request/count", headers=ALICE))
    assert counts["total"] == 13 and counts["movie"] + counts["tv"] == 13 and counts["pending"] == 4


async def test_approve_decline_retry_need_manage_requests(
    client: httpx.AsyncClient, state: OverseerrFakeState, check: Any
) -> None:
    assert (await client.post("/api/v1/request/13/approve", headers=ALICE)).json() == FORBIDDEN
    approved = check(await client.post("/api/v1/request/13/approve", headers=KEY))
    assert (approved["status"], approved["modifiedBy"]["id"], approved["media"]["status"]) == (
        2,
        1,
        MediaStatus.PROCESSING,
    )
    declined = check(await client.post("/api/v1/request/12/decline", headers=KEY))
    assert (
        declined["status"] == RequestStatus.DECLINED
        and declined["media"]["status"] == MediaStatus.UNKNOWN
    )
    retried = check(await client.post("/api/v1/request/6/retry", headers=KEY))
    assert retried["status"] == RequestStatus.APPROVED
    assert (await client.post("/api/v1/request/6/pending", headers=KEY)).status_code == 400


async def test_delete_own_pending_only(
    client: httpx.AsyncClient, state: OverseerrFakeState
) -> None:
    refused = await client.delete("/api/v1/request/13", headers=ALICE)  # bob's pending
    assert (refused.status_code, refused.json()) == (
        401,
        {"message": "You do not have permission to delete this request."},
    )
    assert (
        await client.delete("/api/v1/request/7", headers=ALICE)
    ).status_code == 401  # own, approved
    media_id = state.requests[12].media_id
    assert (await client.delete("/api/v1/request/12", headers=ALICE)).status_code == 204
    assert 12 not in state.requests and state.media[media_id].status == MediaStatus.UNKNOWN
    assert (await client.delete("/api/v1/request/7", headers=KEY)).status_code == 204
    assert (await client.delete("/api/v1/request/7", headers=KEY)).status_code == 404


# -- users ------------------------------------------------------------------------------------


async def test_user_list_pages_and_filters_private_fields(
    client: httpx.AsyncClient, check: Any, spec: dict[str, Any]
) -> None:
    page = check(await client.get("/api/v1/user?take=2&skip=0&sort=created", headers=KEY))
    assert page["pageInfo"] == {"pages": 2, "pageSize": 2, "results": 3, "page": 1}
    assert [(u["id"], u["plexId"]) for u in page["results"]] == [
        (1, identities.OWNER.plex_id),
        (2, identities.ALICE.plex_id),
    ]
    assert (
        page["results"][0]["email"] == identities.OWNER.email
        and page["results"][0]["userType"] == 1
    )
    assert (
        check(await client.get("/api/v1/user/3", headers=KEY))["plexId"] == identities.BOB.plex_id
    )
    seen_by_alice = (await client.get("/api/v1/user", headers=ALICE)).json()["results"]
    assert all("email" not in u and "plexId" not in u for u in seen_by_alice)
    # The published User schema requires email, yet Overseerr strips it for non-managers
    # (User.filteredFields); validate that view against User minus that one requirement.
    user_schema = copy.deepcopy(spec["components"]["schemas"]["User"])
    user_schema["required"].remove("email")
    for user in seen_by_alice:
        OAS30ReadValidator(user_schema).validate(user)
    me = check(await client.get("/api/v1/auth/me", headers=BOB))
    assert (me["id"], me["plexId"]) == (3, identities.BOB.plex_id)  # X-API-User acts as bob
    missing = await client.get("/api/v1/user/99", headers=KEY)
    assert (missing.status_code, missing.json()) == (404, {"message": "User not found."})


# -- webhooks ---------------------------------------------------------------------------------


def _all_strings(value: Any) -> bool:
    if isinstance(value, dict):
        return all(_all_strings(v) for v in value.values())
    if isinstance(value, list):
        return all(_all_strings(v) for v in value)
    return isinstance(value, str)


async def test_webhook_sends_default_template_with_auth_header(
    client: httpx.AsyncClient, state: OverseerrFakeState, receiver: tuple[Receiver, str]
) -> None:
    hook, url = receiver
    state.configure_webhook(url, "Bearer s3cret")
    show = fresh(state, "tv", min_seasons=2)
    created = (
        await client.post(
            "/api/v1/request",
            json={"mediaType": "tv", "mediaId": show.tmdb_id, "seasons": [1, 2]},
            headers=ALICE,
        )
    ).json()
    await client.post(f"/api/v1/request/{created['id']}/approve", headers=KEY)
    deliveries = await state.wait_for_webhooks(2)
    assert [d.status_code for d in deliveries] == [200, 200]
    assert len(hook.calls) == 2
    assert all(headers["authorization"] == "Bearer s3cret" for headers, _ in hook.calls)
    bodies = {body["notification_type"]: body for _, body in hook.calls}
    assert bodies["MEDIA_PENDING"] == {
        "notification_type": "MEDIA_PENDING",
        "event": "New Series Request",
        "subject": f"{show.title} ({show.year})",
        "message": show.overview,
        "image": f"https://image.tmdb.org/t/p/w600_and_h900_bestv2/p{show.tmdb_id}.jpg",
        "media": {
            "media_type": "tv",
            "tmdbId": str(show.tmdb_id),
            "tvdbId": str(show.tvdb_id),
            "status": "PENDING",
            "status4k": "UNKNOWN",
        },
        "request": {
            "request_id": str(created["id"]),
            "requestedBy_email": identities.ALICE.email,
            "requestedBy_username": "alice",
            "requestedBy_avatar": f"https://plex.tv/users/{identities.ALICE.uuid}/avatar?c=1700000000",
            "requestedBy_settings_discordId": "",
            "requestedBy_settings_telegramChatId": "",
        },
        "issue": None,
        "comment": None,
        "extra": [{"name": "Requested Seasons", "value": "1, 2"}],
    }
    approved = bodies["MEDIA_APPROVED"]
    assert (
        approved["event"] == "Series Request Approved"
        and approved["media"]["status"] == "PROCESSING"
    )
    for body in bodies.values():
        assert _all_strings({k: v for k, v in body.items() if k not in ("issue", "comment")})


async def test_webhook_types_mask_and_test_notification(
    client: httpx.AsyncClient, state: OverseerrFakeState, receiver: tuple[Receiver, str]
) -> None:
    hook, url = receiver
    state.configure_webhook(url, types=0)  # Overseerr's default: only test notifications pass
    await client.post(
        "/api/v1/request",
        json={"mediaType": "movie", "mediaId": fresh(state, "movie").tmdb_id},
        headers=ALICE,
    )
    assert state.webhook_log == []
    assert state.send_test_notification() is not None
    await state.wait_for_webhooks(1)
    assert hook.calls[0][1] == {
        "notification_type": "TEST_NOTIFICATION",
        "event": "",
        "subject": "Test Notification",
        "message": "Check check, 1, 2, 3. Are we coming in clear?",
        "image": "",
        "media": None,
        "request": None,
        "issue": None,
        "comment": None,
        "extra": [],
    }
    sent = await client.post(
        "/api/v1/settings/notifications/webhook/test",
        json={"options": {"webhookUrl": url, "authHeader": "x"}},
        headers=KEY,
    )
    assert sent.status_code == 204 and hook.calls[1][0]["authorization"] == "x"
    dead = await client.post(
        "/api/v1/settings/notifications/webhook/test",
        json={"options": {"webhookUrl": "http://127.0.0.1:9/"}},
        headers=KEY,
    )
    assert (dead.status_code, dead.json()) == (
        500,
        {"message": "Failed to send webhook notification."},
    )
    assert state.webhook_log[-1].error is not None


async def test_webhook_settings_round_trip(
    client: httpx.AsyncClient, state: OverseerrFakeState, schema: Any
) -> None:
    sent = {
        "enabled": True,
        "types": 4,
        "options": {
            "webhookUrl": "http://x/",
            "authHeader": "a",
            "jsonPayload": state.webhook_json_payload,
        },
    }
    saved = (
        await client.post("/api/v1/settings/notifications/webhook", json=sent, headers=KEY)
    ).json()
    assert saved == sent and state.webhook_types == 4
    schema("WebhookSettings").validate(
        (await client.get("/api/v1/settings/notifications/webhook", headers=KEY)).json()
    )
    assert (
        await client.get("/api/v1/settings/notifications/webhook", headers=ALICE)
    ).json() == FORBIDDEN


# -- scenarios --------------------------------------------------------------------------------


async def test_progress_scenario_ticks_to_available_with_webhooks(
    client: httpx.AsyncClient, state: OverseerrFakeState, receiver: tuple[Receiver, str]
) -> None:
    _, url = receiver
    state.configure_webhook(url)
    state.follow_all()
    assert state.tick() == []  # static scenario: nothing moves
    state.scenario = "progress"
    # pending ones get approved; approved ones gain availability (one season per tick)
    assert (await client.post("/__fake__/tick")).json()["moved"] == [4, 7, 8, 9, 10, 11, 12, 13]
    movie = state.requests[13]
    assert (
        movie.status == RequestStatus.APPROVED
        and state.media[movie.media_id].status == MediaStatus.PROCESSING
    )
    state.tick()
    assert state.media[movie.media_id].status == MediaStatus.AVAILABLE
    show = state.requests[11]  # four seasons: one becomes available per tick
    assert state.media[show.media_id].status == MediaStatus.PARTIALLY_AVAILABLE
    for _ in range(4):
        state.tick()
    assert state.media[show.media_id].status == MediaStatus.AVAILABLE
    kinds = [d.notification_type for d in await state.wait_for_webhooks(len(state.webhook_log))]
    assert kinds.count("MEDIA_APPROVED") >= 4 and "MEDIA_AVAILABLE" in kinds
    assert all(d.ok for d in state.webhook_log)


async def test_advance_route_and_seerr_completed(
    client: httpx.AsyncClient, state: OverseerrFakeState
) -> None:
    declined = await client.post("/__fake__/requests/13/advance", json={"to": "declined"})
    assert declined.status_code == 200 and declined.json()["status"] == RequestStatus.DECLINED
    assert (
        await client.post("/__fake__/requests/13/advance", json={"to": "teleported"})
    ).status_code == 400
    assert (
        await client.post("/__fake__/requests/99/advance", json={"to": "approved"})
    ).status_code == 404
    seerr = OverseerrFakeState.demo(1, flavor="seerr")
    assert seerr.requests[1].status == RequestStatus.COMPLETED  # available → completed in Seerr
    seerr.advance(13, to="available")
    assert seerr.requests[13].status == RequestStatus.COMPLETED
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(seerr)), base_url=HOST
    ) as http:
        done = (await http.get("/api/v1/request?filter=completed&take=50", headers=KEY)).json()[
            "results"
        ]
    assert done and {r["status"] for r in done} == {RequestStatus.COMPLETED}


async def test_unknown_statuses_reach_clients(
    client: httpx.AsyncClient, state: OverseerrFakeState
) -> None:
    state.force_status(9, request_status=99, media_status=42)
    body = (await client.get("/api/v1/request/9", headers=KEY)).json()
    assert (body["status"], body["media"]["status"]) == (99, 42)
    listed = (await client.get("/api/v1/request?take=50", headers=KEY)).json()["results"]
    assert 9 in [r["id"] for r in listed]
    assert state.webhook_log == []


def test_background_progress_loop_delivers_from_a_thread(receiver: tuple[Receiver, str]) -> None:
    hook, url = receiver
    state = OverseerrFakeState.demo(1)
    state.configure_webhook(url)
    state.start_progress(0.02)
    pending = {r.id: r.status for r in state.requests.values()}
    movie = next(
        i for i in state.catalog.movies.values() if state.media_for("movie", i.tmdb_id) is None
    )
    made = state.create_request(2, mediaType="movie", mediaId=movie.tmdb_id)  # joins the timeline
    try:
        deadline = time.monotonic() + 5
        while not any(
            d.notification_type == "MEDIA_AVAILABLE" and d.done for d in state.webhook_log
        ):
            assert time.monotonic() < deadline, "no MEDIA_AVAILABLE delivered"
            time.sleep(0.02)
    finally:
        state.stop_progress()
    assert any(body["notification_type"] == "MEDIA_AVAILABLE" for _, body in hook.calls)
    assert state.media[made.media_id].status == MediaStatus.AVAILABLE
    assert {i: state.requests[i].status for i in pending} == pending  # seeded ones stay put


# -- images, determinism, real port -----------------------------------------------------------


async def test_poster_images_are_deterministic_jpegs(
    client: httpx.AsyncClient, state: OverseerrFakeState
) -> None:
    movie = next(iter(state.catalog.movies.values()))
    url = f"/__fake__/tmdb/t/p/w600_and_h900_bestv2{movie.poster_path}"
    first, second = await client.get(url), await client.get(url)
    assert first.headers["content-type"] == "image/jpeg" and first.content == second.content
    assert Image.open(io.BytesIO(first.content)).size == (600, 900)
    assert Image.open(
        io.BytesIO((await client.get(f"/__fake__/tmdb/t/p/w300{movie.backdrop_path}")).content)
    ).size == (300, 168)
    assert (await client.get("/__fake__/tmdb/t/p/w92/..%2Fetc.jpg")).status_code == 404


def test_demo_is_deterministic_and_has_tricky_titles() -> None:
    entries = demo_catalog_entries(1)
    assert entries == OverseerrFakeState.demo(
        1
    ).catalog.entries() and entries != demo_catalog_entries(2)
    titles = {title for _, title, _, _ in entries}
    assert {
        'The "Quoted" Heist',
        "Amélie's Crème Brûlée",
        "<script>alert(1)</script> Night",
    } <= titles
    assert (
        len([e for e in entries if e[3] == "movie"]) == 150
        and len([e for e in entries if e[3] == "tv"]) == 40
    )
    state = OverseerrFakeState.demo(1)
    statuses = {r.status for r in state.requests.values()}
    assert statuses == {
        RequestStatus.PENDING,
        RequestStatus.APPROVED,
        RequestStatus.DECLINED,
        RequestStatus.FAILED,
    }
    media = {state.media[r.media_id].status for r in state.requests.values()}
    assert {MediaStatus.PROCESSING, MediaStatus.PARTIALLY_AVAILABLE, MediaStatus.AVAILABLE} <= media
    assert {u.plex_id for u in state.users.values()} == {
        a.plex_id for a in identities.ACCOUNTS if a is not identities.MALLORY
    }


async def test_over_a_real_port(
    state: OverseerrFakeState, receiver: tuple[Receiver, str], check: Any
) -> None:
    hook, url = receiver
    state.configure_webhook(url, "Bearer s3cret")
    movie = fresh(state, "movie")
    with FakeServer(create_app(state)) as server:
        async with httpx.AsyncClient(base_url=server.url, headers=ALICE) as http:
            assert (await http.get("/api/v1/status")).status_code == 200
            created = await http.post(
                "/api/v1/request", json={"mediaType": "movie", "mediaId": movie.tmdb_id}
            )
            assert created.status_code == 201
            await state.wait_for_webhooks(1)
    assert hook.calls[0][1]["request"]["requestedBy_username"] == "alice"
    assert hook.calls[0][1]["notification_type"] == Notification.MEDIA_PENDING.name
