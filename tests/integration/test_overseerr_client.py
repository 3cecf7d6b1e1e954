"""The Overseerr client against the fake Overseerr / Jellyseerr / Seerr (in-process, and once over
a real port)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from medianest.demo import identities
from medianest.demo.identities import ALICE, BOB
from medianest.integrations.base import (
    BadResponse,
    CredentialsRejected,
    HttpPolicy,
    IntegrationError,
    NotFound,
    Refused,
    Unavailable,
)
from medianest.integrations.fakekit import FakeServer
from medianest.integrations.overseerr.client import (
    AlreadyRequested,
    NothingToRequest,
    NotPermitted,
    OverseerrClient,
    QuotaExceeded,
    api_base,
)
from medianest.integrations.overseerr.fake import OverseerrFakeState, create_app
from medianest.integrations.overseerr.fake_catalog import CatalogItem
from medianest.integrations.overseerr.fake_model import Notification, Permission
from medianest.integrations.overseerr.fake_notify import request_payload
from medianest.integrations.overseerr.fake_webhook import DEFAULT_JSON_PAYLOAD, render
from medianest.integrations.overseerr.models import MediaStatus, RequestStatus
from medianest.integrations.overseerr.webhook import NotificationType, parse_webhook
from tests.support.wire import FAST, Clock, Recorder

KEY = identities.OVERSEERR_API_KEY
FLAVORS = ("overseerr", "jellyseerr", "seerr")
OWNER_ID, ALICE_ID, BOB_ID = 1, 2, 3


@pytest.fixture(params=FLAVORS)
def state(request: pytest.FixtureRequest) -> OverseerrFakeState:
    return OverseerrFakeState.demo(1, flavor=request.param)


@pytest.fixture
def recorder(state: OverseerrFakeState) -> Recorder:
    return Recorder(httpx.ASGITransport(app=create_app(state)))


@pytest.fixture
async def client(recorder: Recorder) -> AsyncIterator[OverseerrClient]:
    async with OverseerrClient("http://ovr.lan:5055", KEY, transport=recorder, policy=FAST) as c:
        yield c


def fresh(state: OverseerrFakeState, media_type: str = "movie", skip: int = 0) -> CatalogItem:
    """A title Overseerr has no Media row for (nobody requested it, not in Plex)."""
    pool = state.catalog.movies if media_type == "movie" else state.catalog.shows
    items = [
        i
        for i in sorted(pool.values(), key=lambda i: i.tmdb_id)
        if state.media_for(media_type, i.tmdb_id) is None
        and (media_type == "movie" or len(i.regular_seasons()) >= 3)
    ]
    return items[skip]


def title(state: OverseerrFakeState, name: str, media_type: str = "movie") -> CatalogItem:
    pool = state.catalog.movies if media_type == "movie" else state.catalog.shows
    return next(i for i in pool.values() if i.title == name)


# -- connection, status, encoding ------------------------------------------------------------


async def test_test_connection_names_flavor_version_and_user_count(
    state: OverseerrFakeState, client: OverseerrClient, recorder: Recorder
) -> None:
    product = {"overseerr": "Overseerr", "jellyseerr": "Jellyseerr", "seerr": "Seerr"}
    assert await client.test_connection() == f"{product[state.flavor]} {state.version}, 3 users"
    status = await client.status()
    assert (status.version, status.flavor) == (state.version, state.flavor)
    assert all(r.headers["X-Api-Key"] == KEY for r in recorder.requests)
    assert all("X-API-User" not in r.headers for r in recorder.requests)
    assert all(KEY not in str(r.url) for r in recorder.requests)


async def test_old_jellyseerr_is_told_apart_by_its_user_fields() -> None:
    state = OverseerrFakeState.demo(1, flavor="jellyseerr")
    state.version = "1.9.2"  # Jellyseerr before 2.0 shares Overseerr's version line
    transport = httpx.ASGITransport(app=create_app(state))
    async with OverseerrClient("http://o/api/v1", KEY, transport=transport, policy=FAST) as c:
        assert (await c.status()).flavor == "overseerr"
        assert await c.test_connection() == "Jellyseerr 1.9.2, 3 users"


def test_api_base_accepts_root_or_api_path() -> None:
    assert api_base("http://h:5055/") == "http://h:5055/api/v1"
    assert api_base("https://h/seerr/api/v1/") == "https://h/seerr/api/v1"


@pytest.mark.parametrize(
    "query",
    [
        "Tom & Jerry's Midnight",
        'The "Quoted" Heist',
        "Pizza 🍕 Party",
        "C++ for Lovers",
        "Mission: Improbable",
        "What/If?",
        "100% Pure",
        "Amélie's Crème",
    ],
)
async def test_search_encodes_every_character(
    query: str, client: OverseerrClient, recorder: Recorder
) -> None:
    page = await client.search(query)  # the fake 400s on "+" and on unencoded reserved chars
    assert any(query.lower() in r.title.lower() for r in page.results)
    raw = recorder.requests[-1].url.raw_path.decode()
    assert f"query={quote(query, safe='')}&page=1" in raw
    assert "+" not in raw.partition("query=")[2] and (" " not in query or "%20" in raw)


async def test_blank_search_asks_nothing(client: OverseerrClient, recorder: Recorder) -> None:
    assert (await client.search("   ")).results == []
    assert recorder.requests == []


# -- search and details ----------------------------------------------------------------------


async def test_search_availability_follows_media_info(
    state: OverseerrFakeState, client: OverseerrClient
) -> None:
    expected = {
        "Tom & Jerry's Midnight Run": (MediaStatus.AVAILABLE, 5),  # requested, now in Plex
        "C++ for Lovers": (MediaStatus.PENDING, 2),  # bob's pending request
        "Secret Letters": (MediaStatus.PROCESSING, 3),  # approved, then failed in Radarr
        "Star Voyage II: The Return": (MediaStatus.UNKNOWN, 1),  # declined: a row, but nothing
    }
    for name, (status, raw) in expected.items():
        hit = next(r for r in (await client.search(name)).results if r.title == name)
        assert (hit.availability, hit.availability_raw) == (status, raw)
        assert hit.media_type == "movie" and hit.tmdb_id == title(state, name).tmdb_id
    new = fresh(state)
    hit = next(r for r in (await client.search(new.title)).results if r.tmdb_id == new.tmdb_id)
    assert hit.availability == MediaStatus.NOT_REQUESTED and hit.requestable
    assert (hit.year, hit.overview, hit.poster_path) == (new.year, new.overview, new.poster_path)


async def test_search_keeps_same_titles_apart_and_leaves_people_out(
    state: OverseerrFakeState, client: OverseerrClient
) -> None:
    halcyons = (await client.search("Halcyon")).results
    assert sorted(r.year or 0 for r in halcyons if r.title == "Halcyon") == [1984, 2019]
    person = next(iter(state.catalog.people.values()))
    page = await client.search(person.name)
    assert page.total_results >= 1 and all(r.media_type in ("movie", "tv") for r in page.results)
    show = (await client.search("Law & Order: Nest")).results[0]
    assert show.media_type == "tv" and show.availability == MediaStatus.PARTIALLY_AVAILABLE
    assert [(s.season_number, s.status) for s in show.season_statuses] == [
        (1, MediaStatus.AVAILABLE)
    ]


async def test_movie_details_carry_requests_without_titles(
    state: OverseerrFakeState, client: OverseerrClient
) -> None:
    item = title(state, "Tom & Jerry's Midnight Run")
    movie = await client.movie(item.tmdb_id)
    assert (movie.title, movie.year, movie.runtime) == (item.title, 1998, item.runtime)
    assert movie.availability == MediaStatus.AVAILABLE and not movie.requestable
    [request] = movie.requests
    assert request.requested_by is not None and request.requested_by.plex_id == ALICE.plex_id
    done = RequestStatus.COMPLETED if state.seerr else RequestStatus.APPROVED  # Seerr closes it
    assert request.status == done and request.media is None


async def test_tv_details_merge_season_rows_and_requests(
    state: OverseerrFakeState, client: OverseerrClient
) -> None:
    item = title(state, "Law & Order: Nest Division", "tv")
    show = await client.tv(item.tmdb_id)
    assert (show.title, show.tvdb_id) == (item.title, item.tvdb_id)
    seasons = {s.season_number: s for s in show.seasons}
    assert seasons[1].episode_count == item.season(1).episode_count  # type: ignore[union-attr]
    assert seasons[1].status == MediaStatus.AVAILABLE  # a Season row
    assert (seasons[2].status, seasons[2].request_status) == (
        MediaStatus.PROCESSING,
        RequestStatus.APPROVED,
    )
    assert (seasons[3].status, seasons[3].request_status) == (
        MediaStatus.PENDING,
        RequestStatus.PENDING,
    )
    assert seasons[4].status == MediaStatus.NOT_REQUESTED and seasons[4].requestable
    assert not seasons[3].requestable


async def test_unknown_tmdb_id_is_not_found_without_tripping_anything(
    client: OverseerrClient, recorder: Recorder
) -> None:
    with pytest.raises(NotFound, match="movie 424242"):
        await client.movie(424242)
    with pytest.raises(NotFound, match="series 424242"):
        await client.tv(424242)
    assert client.availability.healthy and len(recorder.requests) == 2  # no retries


async def test_other_500s_on_details_stay_unavailable() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(500, json={"message": "Unable to retrieve series."})

    mock = httpx.MockTransport(answer)
    async with OverseerrClient("http://o", KEY, transport=mock, policy=FAST) as c:
        with pytest.raises(Unavailable):
            await c.movie(1)  # a series message on the movie path is not "unknown movie"
    state = OverseerrFakeState.demo(1)
    recorder = Recorder(httpx.ASGITransport(app=create_app(state)))
    async with OverseerrClient("http://o", KEY, transport=recorder, policy=FAST) as c:
        state.faults.fail_next = 1
        with pytest.raises(Unavailable, match="500"):
            await c.movie(title(state, "Halcyon").tmdb_id)


# -- requests ---------------------------------------------------------------------------------


async def test_request_as_alice_is_pending_and_hers(
    state: OverseerrFakeState, client: OverseerrClient, recorder: Recorder
) -> None:
    item = fresh(state)
    result = await client.request_media("movie", item.tmdb_id, as_user=ALICE_ID)
    request = result.request
    assert request.status == RequestStatus.PENDING and not result.auto_approved
    assert request.requested_by is not None
    assert (request.requested_by.id, request.requested_by.plex_id) == (ALICE_ID, ALICE.plex_id)
    assert request.requested_by.name == ALICE.username
    assert request.tmdb_id == item.tmdb_id and request.media_type == "movie"
    assert request.media is not None and request.media.status == MediaStatus.PENDING
    assert request.created_at is not None and not request.is4k
    assert recorder.requests[-1].headers["X-API-User"] == str(ALICE_ID)
    assert state.requests[request.id].requested_by_id == ALICE_ID


async def test_admin_request_is_auto_approved(
    state: OverseerrFakeState, client: OverseerrClient
) -> None:
    result = await client.request_media("movie", fresh(state).tmdb_id, as_user=OWNER_ID)
    assert result.auto_approved and result.request.status == RequestStatus.APPROVED
    assert result.request.media is not None
    assert result.request.media.status == MediaStatus.PROCESSING


async def test_series_requests_and_nothing_left(
    state: OverseerrFakeState, client: OverseerrClient
) -> None:
    show = fresh(state, "tv")
    first = await client.request_media("tv", show.tmdb_id, seasons=[2, 1, 1], as_user=ALICE_ID)
    assert first.request.season_numbers == [1, 2]
    rest = await client.request_media(
        "tv", show.tmdb_id, seasons="all", as_user=BOB_ID, tvdb_id=show.tvdb_id
    )
    assert rest.request.season_numbers == show.regular_seasons()[2:]
    with pytest.raises(NothingToRequest, match="No seasons available to request") as nothing:
        await client.request_media("tv", show.tmdb_id, seasons="all", as_user=ALICE_ID)
    assert isinstance(nothing.value, Refused)
    specials = title(state, "Specials Only", "tv")
    with pytest.raises(NothingToRequest):
        await client.request_media("tv", specials.tmdb_id, seasons="all", as_user=ALICE_ID)
    with pytest.raises(ValueError, match="seasons"):
        await client.request_media("tv", show.tmdb_id, as_user=ALICE_ID)
    with pytest.raises(ValueError, match="no seasons"):
        await client.request_media("movie", 1, seasons=[1], as_user=ALICE_ID)


async def test_duplicate_quota_and_permission_refusals(
    state: OverseerrFakeState, client: OverseerrClient
) -> None:
    taken = title(state, "C++ for Lovers").tmdb_id
    with pytest.raises(AlreadyRequested, match="already exists"):
        await client.request_media("movie", taken, as_user=ALICE_ID)
    # bob: 3 movies per 7 days, two used by the demo (days 5 and 1)
    await client.request_media("movie", fresh(state, skip=0).tmdb_id, as_user=BOB_ID)
    with pytest.raises(QuotaExceeded, match=r"^overseerr: Movie Quota exceeded\.$") as quota:
        await client.request_media("movie", fresh(state, skip=1).tmdb_id, as_user=BOB_ID)
    assert quota.value.status == 403
    carol = state.add_user("carol", permissions=Permission.NONE)
    with pytest.raises(NotPermitted, match="permission to make movie requests"):
        await client.request_media("movie", fresh(state).tmdb_id, as_user=carol.id)
    with pytest.raises(NotPermitted, match="user 99 does not exist"):
        await client.request_media("movie", fresh(state).tmdb_id, as_user=99)
    assert client.availability.healthy  # a user's refusal says nothing about the service


async def test_list_filters_paging_and_visibility(
    state: OverseerrFakeState, client: OverseerrClient
) -> None:
    first = await client.requests(take=5)
    assert (first.total, first.pages, first.page_size, first.page) == (13, 3, 5, 1)
    last = await client.requests(take=5, skip=10)
    ids = [r.id for r in first.results] + [r.id for r in last.results]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == 8 and last.page == 3
    pending = await client.requests(filter="pending")
    assert pending.total == 4 and {r.status for r in pending.results} == {RequestStatus.PENDING}
    failed = await client.requests(filter="failed")
    assert [r.status for r in failed.results] == [RequestStatus.FAILED]
    alices = await client.requests(requested_by=ALICE_ID)
    assert alices.total == 6 and {r.requested_by.id for r in alices.results if r.requested_by} == {
        ALICE_ID
    }
    bobs_view = await client.requests(as_user=BOB_ID)  # non-managers see only their own
    assert {r.requested_by.id for r in bobs_view.results if r.requested_by} == {BOB_ID}
    with pytest.raises(NotPermitted, match="this user's requests"):
        await client.requests(requested_by=ALICE_ID, as_user=BOB_ID)
    if state.flavor == "seerr":
        completed = await client.requests(filter="completed")
        assert completed.total == 3
        assert {r.status for r in completed.results} == {RequestStatus.COMPLETED}
    else:
        with pytest.raises(Refused, match="allowed values"):
            await client.requests(filter="completed")


async def test_get_delete_approve_decline(
    state: OverseerrFakeState, client: OverseerrClient
) -> None:
    mine = await client.request(12, as_user=ALICE_ID)
    assert mine.status == RequestStatus.PENDING and mine.requested_by is not None
    with pytest.raises(NotFound, match="request 999"):
        await client.request(999)
    with pytest.raises(NotPermitted):
        await client.request(13, as_user=ALICE_ID)  # bob's
    with pytest.raises(NotPermitted, match="delete this request"):
        await client.delete_request(13, as_user=ALICE_ID)
    await client.delete_request(12, as_user=ALICE_ID)
    with pytest.raises(NotFound):
        await client.request(12)
    approved = await client.approve(13)
    assert approved.status == RequestStatus.APPROVED
    assert approved.media is not None and approved.media.status == MediaStatus.PROCESSING
    assert approved.modified_by is not None and approved.modified_by.id == OWNER_ID
    assert (await client.decline(11)).status == RequestStatus.DECLINED
    with pytest.raises(NotPermitted, match="user 2"):
        await client.approve(10, as_user=ALICE_ID)  # 403 gate, but the key is fine
    assert not client.availability.credentials_rejected


async def test_find_user_by_plex_id_pages_through_everyone(
    state: OverseerrFakeState, client: OverseerrClient, recorder: Recorder
) -> None:
    for n in range(240):
        state.add_user(f"viewer{n}", plex_id=900_000 + n)
    found = await client.find_user_by_plex_id(900_000 + 230)  # user 234: on the third page
    assert found is not None and (found.id, found.plex_username) == (234, "viewer230")
    assert len(recorder.paths("/api/v1/user")) == 3
    bob = await client.find_user_by_plex_id(BOB.plex_id)
    assert bob is not None and bob.id == BOB_ID and not bob.is_admin
    assert await client.find_user_by_plex_id(1) is None
    assert len(recorder.paths("/api/v1/user")) == 3 + 1 + 3
    owner = (await client.users(take=1)).results[0]
    assert owner.is_admin and owner.plex_id == identities.OWNER.plex_id


async def test_unknown_status_numbers_become_other_with_raw(
    state: OverseerrFakeState, client: OverseerrClient
) -> None:
    state.force_status(13, request_status=42, media_status=99)
    request = await client.request(13)
    assert (request.status, request.status_raw) == (RequestStatus.OTHER, 42)
    assert request.media is not None
    assert (request.media.status, request.media.status_raw) == (MediaStatus.OTHER, 99)
    listed = next(r for r in (await client.requests()).results if r.id == 13)
    assert listed.status == RequestStatus.OTHER
    hit = next(r for r in (await client.search("C++ for Lovers")).results)
    assert (hit.availability, hit.availability_raw) == (MediaStatus.OTHER, 99)


async def test_seerr_statuses_are_known() -> None:
    state = OverseerrFakeState.demo(1, flavor="seerr")
    transport = httpx.ASGITransport(app=create_app(state))
    async with OverseerrClient("http://o", KEY, transport=transport, policy=FAST) as client:
        state.advance(9, "completed")
        assert (await client.request(9)).status == RequestStatus.COMPLETED
        state.advance(7, "deleted")
        request = await client.request(7)
        assert request.media is not None and request.media.status == MediaStatus.DELETED
        assert request.media.status_raw == 7 and request.media.status.requestable


# -- webhooks ---------------------------------------------------------------------------------


async def test_every_webhook_the_fake_sends_parses() -> None:
    state = OverseerrFakeState.demo(1)
    received: list[httpx.Request] = []

    def receiver(request: httpx.Request) -> httpx.Response:
        received.append(request)
        return httpx.Response(204)

    state.configure_webhook("http://medianest.test/api/v1/webhooks/overseerr", "Bearer s3cret")
    state.webhooks.transport = httpx.MockTransport(receiver)
    transport = httpx.ASGITransport(app=create_app(state))
    async with OverseerrClient("http://o", KEY, transport=transport, policy=FAST) as client:
        movie = (
            await client.request_media("movie", fresh(state).tmdb_id, as_user=ALICE_ID)
        ).request
        show = fresh(state, "tv")
        await client.request_media("tv", show.tmdb_id, seasons=[1], as_user=OWNER_ID)
        await client.approve(movie.id)
        await client.decline(13)
        state.advance(11, "failed")
        state.advance(movie.id, "available")
        state.send_test_notification()
        await state.wait_for_webhooks(8)
    assert {r.headers["Authorization"] for r in received} == {"Bearer s3cret"}
    hooks = [parse_webhook(json.loads(r.content)) for r in received]
    assert {h.kind for h in hooks} == {
        NotificationType.MEDIA_PENDING,
        NotificationType.MEDIA_AUTO_APPROVED,
        NotificationType.MEDIA_APPROVED,
        NotificationType.MEDIA_DECLINED,
        NotificationType.MEDIA_FAILED,
        NotificationType.MEDIA_AVAILABLE,
        NotificationType.TEST_NOTIFICATION,
    }
    pending = hooks[0]
    assert pending.notification_type == "MEDIA_PENDING" and pending.event == "New Movie Request"
    assert pending.media is not None and pending.media.tmdb_id == movie.tmdb_id
    assert pending.media.status == MediaStatus.PENDING and pending.media.status_raw == "PENDING"
    assert pending.media.status4k == MediaStatus.UNKNOWN and pending.media.tvdb_id is None
    assert pending.request is not None and pending.request.request_id == movie.id
    assert pending.request.requested_by_username == ALICE.username
    auto = next(h for h in hooks if h.kind == NotificationType.MEDIA_AUTO_APPROVED)
    assert auto.media is not None and auto.media.media_type == "tv"
    assert [(e.name, e.value) for e in auto.extra] == [("Requested Seasons", "1")]
    available = next(h for h in hooks if h.kind == NotificationType.MEDIA_AVAILABLE)
    assert available.media is not None and available.media.status == MediaStatus.AVAILABLE
    test = hooks[-1]
    assert test.is_test and test.media is None and test.request is None
    assert test.subject == "Test Notification" and not any(h.is_test for h in hooks[:-1])


def test_webhook_unknown_values_are_kept() -> None:
    state = OverseerrFakeState.demo(1)
    state.force_status(12, media_status=42)
    body = render(
        DEFAULT_JSON_PAYLOAD,
        Notification.MEDIA_PENDING,
        request_payload(state, Notification.MEDIA_PENDING, state.requests[12]),
    )
    hook = parse_webhook(body | {"notification_type": "MEDIA_SOMETHING_NEW"})
    assert hook.kind == NotificationType.OTHER and hook.notification_type == "MEDIA_SOMETHING_NEW"
    assert hook.media is not None
    assert (hook.media.status, hook.media.status_raw) == (MediaStatus.OTHER, "undefined")
    jelly = parse_webhook(body | {"media": {**body["media"], "status": "BLACKLISTED"}})
    assert jelly.media is not None and jelly.media.status == MediaStatus.BLOCKLISTED


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        ([], "not a JSON object"),
        ({"event": "x"}, "notification_type is missing"),
        ({"notification_type": "MEDIA_PENDING", "media": "603"}, "media is neither"),
        ({"notification_type": "MEDIA_PENDING", "media": {"tmdbId": "abc"}}, "media.tmdbId"),
        ({"notification_type": "MEDIA_PENDING", "request": {"request_id": "1x"}}, "request_id"),
        ({"notification_type": "MEDIA_PENDING", "extra": {}}, "extra is not a list"),
        ({"notification_type": "MEDIA_PENDING", "subject": ["x"]}, "subject is not a string"),
    ],
)
def test_malformed_webhooks_are_value_errors(payload: Any, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        parse_webhook(payload)


# -- failures ---------------------------------------------------------------------------------


async def test_failures_map_to_integration_errors(state: OverseerrFakeState) -> None:
    errors: list[IntegrationError] = []
    transport = httpx.ASGITransport(app=create_app(state))
    async with OverseerrClient("http://o", "wrong-key", transport=transport, policy=FAST) as bad:
        with pytest.raises(CredentialsRejected) as rejected:
            await bad.test_connection()
        errors.append(rejected.value)
        assert bad.availability.credentials_rejected and rejected.value.status == 403
        with pytest.raises(CredentialsRejected):  # acting as a user: the probe blames the key
            await bad.request_media("movie", fresh(state).tmdb_id, as_user=ALICE_ID)
    async with OverseerrClient("http://o", KEY, transport=transport, policy=FAST) as client:
        state.faults.revoked = True
        with pytest.raises(CredentialsRejected) as revoked:
            await client.search("Halcyon")
        errors.append(revoked.value)
        state.faults.reset()
        state.faults.garbage = True
        with pytest.raises(BadResponse) as garbage:
            await client.requests()
        errors.append(garbage.value)
        state.faults.reset()
        state.faults.down = True
        with pytest.raises(Unavailable, match="503") as down:
            await client.status()
        errors.append(down.value)
        assert client.availability.unavailable_since is not None
        state.faults.reset()
        assert (await client.status()).version == state.version
        assert client.availability.healthy
    assert all(KEY not in str(e) and "wrong-key" not in str(e) for e in errors)


async def test_idempotent_calls_retry_through_one_500(state: OverseerrFakeState) -> None:
    transport = httpx.ASGITransport(app=create_app(state))
    policy = HttpPolicy(retries=1, backoff=0.0)
    async with OverseerrClient("http://o", KEY, transport=transport, policy=policy) as client:
        state.faults.fail_next = 1
        assert (await client.requests()).total == 13
        state.faults.fail_next = 1
        with pytest.raises(Unavailable):  # a POST is never repeated
            await client.request_media("movie", fresh(state).tmdb_id, as_user=ALICE_ID)
        assert len(state.requests) == 13


async def test_breaker_opens_then_recovers(state: OverseerrFakeState, recorder: Recorder) -> None:
    clock = Clock()
    policy = HttpPolicy(retries=0, backoff=0.0, breaker_threshold=2, breaker_cooldown=30.0)
    async with OverseerrClient(
        "http://o", KEY, transport=recorder, policy=policy, clock=clock
    ) as client:
        state.faults.down = True
        for _ in range(2):
            with pytest.raises(Unavailable, match="503"):
                await client.search("Halcyon")
        sent = len(recorder.requests)
        with pytest.raises(Unavailable, match="next try in 30s"):
            await client.search("Halcyon")
        assert len(recorder.requests) == sent  # failed fast, nothing sent
        state.faults.down = False
        clock.now += 31
        assert (await client.search("Halcyon")).results
        assert client.availability.healthy


@pytest.fixture
def served() -> Iterator[tuple[OverseerrFakeState, FakeServer]]:
    state = OverseerrFakeState.demo(1)
    with FakeServer(create_app(state)) as server:
        yield state, server


async def test_real_port_search_slow_and_stopped(
    served: tuple[OverseerrFakeState, FakeServer],
) -> None:
    state, server = served
    policy = HttpPolicy(timeout=0.3, connect_timeout=0.3, retries=0, backoff=0.0)
    async with OverseerrClient(server.url, KEY, policy=policy) as client:
        page = await client.search("Tom & Jerry's")
        assert [r.title for r in page.results] == ["Tom & Jerry's Midnight Run"]
        with pytest.raises(NotFound):  # the 500 → 404 rewrite over a real socket
            await client.movie(424242)
        state.faults.slow = 0.6
        with pytest.raises(Unavailable, match="no answer") as slow:
            await client.search("Halcyon")
        state.faults.slow = 0.0
        server.stop()
        with pytest.raises(Unavailable, match="cannot connect") as stopped:
            await client.status()
    assert KEY not in str(slow.value) + str(stopped.value)
