"""The plex.tv client against the fake plex.tv (in-process, and once over a real port)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from medianest.demo import identities
from medianest.demo.identities import ALICE, BOB, MALLORY, OWNER
from medianest.integrations.base import (
    BadResponse,
    CredentialsRejected,
    HttpPolicy,
    IntegrationError,
    NotFound,
    Unavailable,
)
from medianest.integrations.fakekit import FakeServer
from medianest.integrations.plextv.client import PlexTvClient, RateLimited, find_server
from medianest.integrations.plextv.fake import PlexTvFakeState, create_app
from medianest.integrations.plextv.models import PlexResource
from tests.support.wire import FAST, Clock, Recorder

CLIENT_ID = "medianest-install-7f3a"


@pytest.fixture
def state() -> PlexTvFakeState:
    return PlexTvFakeState.demo()


@pytest.fixture
def recorder(state: PlexTvFakeState) -> Recorder:
    return Recorder(httpx.ASGITransport(app=create_app(state)))


@pytest.fixture
async def client(recorder: Recorder) -> AsyncIterator[PlexTvClient]:
    async with PlexTvClient(
        "https://plex.tv",
        client_identifier=CLIENT_ID,
        version="1.2.3",
        transport=recorder,
        policy=FAST,
    ) as plextv:
        yield plextv


def make(transport: httpx.AsyncBaseTransport, **kwargs: Any) -> PlexTvClient:
    kwargs.setdefault("policy", FAST)
    kwargs.setdefault("client_identifier", CLIENT_ID)
    return PlexTvClient("https://plex.tv", version="1", transport=transport, **kwargs)


def mock(handler: Callable[[httpx.Request], httpx.Response]) -> PlexTvClient:
    return make(httpx.MockTransport(handler))


async def test_full_sign_in_flow_reaches_the_demo_server(
    client: PlexTvClient, state: PlexTvFakeState
) -> None:
    pin = await client.create_pin()
    assert len(pin.code) == 25 and pin.auth_token is None
    assert timedelta(minutes=29) < pin.expires_at - datetime.now(UTC) <= timedelta(minutes=30)
    pending = await client.check_pin(pin.id)
    assert not pending.approved and not pending.expired

    state.approve(pin.code, "alice")
    status = await client.check_pin(pin.id)
    assert status.approved and status.auth_token is not None
    token = status.auth_token.get_secret_value()
    assert token == ALICE.auth_token

    account = await client.get_account(status.auth_token)
    assert (account.id, account.uuid, account.username) == (ALICE.plex_id, ALICE.uuid, "alice")
    assert account.email == ALICE.email and account.thumb

    resources = await client.get_resources(token)
    server = find_server(resources, identities.PLEX_MACHINE_ID)
    assert server is not None and server.access_token is not None
    assert server.access_token.get_secret_value() == ALICE.server_access_token
    assert (
        not server.owned and server.owner_id == OWNER.plex_id and server.source_title == "nestowner"
    )
    assert [c.uri for c in server.connections] == [state.server_url]
    assert await client.ping(token) is True


async def test_owner_owns_the_server_and_gets_the_owner_token(client: PlexTvClient) -> None:
    server = find_server(await client.get_resources(OWNER.auth_token), identities.PLEX_MACHINE_ID)
    assert server is not None and server.owned and server.owner_id is None
    assert server.access_token is not None
    assert server.access_token.get_secret_value() == identities.PLEX_OWNER_TOKEN


async def test_mallory_sees_no_server_only_her_player(client: PlexTvClient) -> None:
    resources = await client.get_resources(MALLORY.auth_token)
    assert resources and all(not r.is_server for r in resources)
    assert find_server(resources, identities.PLEX_MACHINE_ID) is None


def test_find_server_requires_server_capability() -> None:
    player = PlexResource.model_validate(
        {"clientIdentifier": identities.PLEX_MACHINE_ID, "provides": "client,player"}
    )
    assert find_server([player], identities.PLEX_MACHINE_ID) is None


async def test_missing_email_becomes_none(client: PlexTvClient) -> None:
    account = await client.get_account(BOB.auth_token)
    assert account.email is None and account.username == "bob"


async def test_short_pin_for_plex_tv_link(client: PlexTvClient) -> None:
    assert len((await client.create_pin(strong=False)).code) == 4


async def test_expired_denied_or_foreign_pin_reads_as_expired(
    client: PlexTvClient, state: PlexTvFakeState, recorder: Recorder
) -> None:
    pin = await client.create_pin()
    async with make(recorder, client_identifier="another-install") as other:
        assert (await other.check_pin(pin.id)).expired  # polling needs the same client id
    state.expire_pin(pin.code)
    status = await client.check_pin(pin.id)
    assert status.expired and not status.approved
    denied = await client.create_pin()
    state.deny(denied.code)
    assert (await client.check_pin(denied.id)).expired
    assert client.availability.healthy


async def test_rate_limit_asks_the_caller_to_back_off(
    client: PlexTvClient, state: PlexTvFakeState
) -> None:
    pin = await client.create_pin()
    state.rate_limited, state.retry_after = True, 7
    with pytest.raises(RateLimited) as caught:
        await client.check_pin(pin.id)
    assert isinstance(caught.value, Unavailable) and caught.value.retry_after == 7
    assert client.availability.healthy  # plex.tv is up; we were just too eager
    state.rate_limited = False
    assert not (await client.check_pin(pin.id)).expired


async def test_retry_after_as_http_date_and_missing() -> None:
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    answers = iter([{"Retry-After": later}, {}])
    plextv = mock(lambda _: httpx.Response(429, headers=next(answers)))
    for low, high in ((25, 31), (1, 60)):
        with pytest.raises(RateLimited) as caught:
            await plextv.check_pin(1)
        assert low <= caught.value.retry_after <= high


async def test_revoked_token_is_rejected_without_marking_plextv_down(
    client: PlexTvClient, state: PlexTvFakeState
) -> None:
    state.revoke_token(ALICE.auth_token)
    for call in (client.get_account, client.get_resources):
        with pytest.raises(CredentialsRejected) as caught:
            await call(ALICE.auth_token)
        assert ALICE.auth_token not in str(caught.value) and caught.value.status == 401
    assert await client.ping(ALICE.auth_token) is False
    assert client.availability.healthy  # one user's token, not MediaNest's credentials
    state.faults.revoked = True
    with pytest.raises(CredentialsRejected):
        await client.get_account(BOB.auth_token)


async def test_422_invalid_token_counts_as_rejected() -> None:
    body = {"errors": [{"code": 1001, "message": "Invalid token", "status": 422}]}
    with pytest.raises(CredentialsRejected):
        await mock(lambda _: httpx.Response(422, json=body)).get_account("t")


async def test_plextv_down_then_back(client: PlexTvClient, state: PlexTvFakeState) -> None:
    state.faults.down = True
    with pytest.raises(Unavailable):
        await client.create_pin()
    assert not client.availability.healthy and client.availability.unavailable_since
    state.faults.reset()
    await client.create_pin()
    assert client.availability.healthy


async def test_5xx_is_retried_for_polls_but_never_for_pin_creation(
    state: PlexTvFakeState, recorder: Recorder
) -> None:
    async with make(recorder, policy=HttpPolicy(retries=1, backoff=0.0)) as plextv:
        pin = await plextv.create_pin()
        state.faults.fail_next = 1
        assert not (await plextv.check_pin(pin.id)).expired
        state.faults.fail_next = 1
        with pytest.raises(Unavailable) as caught:
            await plextv.create_pin()  # a retried POST could create a second PIN
        assert caught.value.status == 500


async def test_garbage_is_a_bad_response(client: PlexTvClient, state: PlexTvFakeState) -> None:
    state.faults.garbage = True
    calls = [
        client.create_pin(),
        client.check_pin(1),
        client.get_account(ALICE.auth_token),
        client.get_resources(ALICE.auth_token),
        client.ping(ALICE.auth_token),
    ]
    for call in calls:
        with pytest.raises(BadResponse):
            await call


async def test_xml_or_wrong_shapes_are_bad_responses() -> None:
    xml = httpx.Response(
        200, text='<?xml version="1.0"?><user id="1"/>', headers={"Content-Type": "text/xml"}
    )
    with pytest.raises(BadResponse):
        await mock(lambda _: xml).get_account("t")
    with pytest.raises(BadResponse):
        await mock(lambda _: httpx.Response(200, json={"devices": []})).get_resources("t")
    with pytest.raises(BadResponse):
        await mock(lambda _: httpx.Response(201, json={"code": "ABCD"})).create_pin()


async def test_unknown_fields_and_capabilities_are_tolerated() -> None:
    server = {
        "clientIdentifier": "m1",
        "provides": "server,sync-target,future-thing",
        "ownerId": "",
        "accessToken": "srv",
        "newField": {"x": 1},
        "connections": [{"uri": "https://h:1", "IPv6": True}],
    }
    body = [server, {"name": "broken entry without an identifier"}, "not even an object"]
    resources = await mock(lambda _: httpx.Response(200, json=body)).get_resources("t")
    assert len(resources) == 1
    found = find_server(resources, "m1")
    assert found is not None and "future-thing" in found.provides and found.owner_id is None
    assert found.connections[0].ipv6


async def test_404_that_is_not_a_pin_error_is_not_found() -> None:
    with pytest.raises(NotFound):
        await mock(lambda _: httpx.Response(404, text="<html>nginx</html>")).check_pin(5)


async def test_breaker_opens_then_recovers(state: PlexTvFakeState, recorder: Recorder) -> None:
    clock = Clock()
    policy = HttpPolicy(retries=0, backoff=0.0, breaker_threshold=2, breaker_cooldown=30.0)
    async with make(recorder, policy=policy, clock=clock) as plextv:
        state.faults.down = True
        for _ in range(2):
            with pytest.raises(Unavailable):
                await plextv.get_account(ALICE.auth_token)
        state.faults.reset()
        sent = len(recorder.requests)
        with pytest.raises(Unavailable, match="next try"):
            await plextv.get_account(ALICE.auth_token)
        assert len(recorder.requests) == sent  # failed fast, plex.tv not bothered
        clock.now += 31
        assert (await plextv.get_account(ALICE.auth_token)).username == "alice"
        assert plextv.availability.healthy


def test_auth_url_shape(client: PlexTvClient) -> None:
    forward = "https://nest.example/auth/plex/callback?next=/requests&x=a b"
    url = client.auth_url("https://app.plex.tv/auth", "abc123", forward)
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path, parts.query) == (
        "https",
        "app.plex.tv",
        "/auth",
        "",
    )
    assert parts.fragment.startswith("?") and "://" not in parts.fragment
    params = parse_qs(parts.fragment[1:], strict_parsing=True)
    assert params == {
        "clientID": [CLIENT_ID],
        "code": ["abc123"],
        "context[device][product]": ["MediaNest"],
        "forwardUrl": [forward],
    }
    assert "context%5Bdevice%5D%5Bproduct%5D=MediaNest" in url
    bare = client.auth_url("https://app.plex.tv/auth", "abc123", None)
    assert "forwardUrl" not in bare


async def test_headers_on_every_call_and_token_only_in_header(
    client: PlexTvClient, state: PlexTvFakeState, recorder: Recorder
) -> None:
    pin = await client.create_pin()
    assert (state.pins[pin.id].client_identifier, state.pins[pin.id].product) == (
        CLIENT_ID,
        "MediaNest",
    )
    await client.check_pin(pin.id)
    await client.get_account(ALICE.auth_token)
    await client.get_resources(ALICE.auth_token)
    await client.ping(ALICE.auth_token)
    assert len(recorder.requests) == 5
    for request in recorder.requests:
        assert request.headers["X-Plex-Client-Identifier"] == CLIENT_ID
        assert request.headers["X-Plex-Product"] == "MediaNest"
        assert request.headers["X-Plex-Version"] == "1.2.3"
        assert request.headers["Accept"] == "application/json"
        assert ALICE.auth_token not in str(request.url)
    assert [r.headers.get("X-Plex-Token") for r in recorder.requests] == [None, None] + [
        ALICE.auth_token
    ] * 3
    assert recorder.requests[0].url.params["strong"] == "true"
    assert recorder.requests[3].url.params["includeHttps"] == "1"


async def test_tokens_never_show_in_reprs_or_dumps(
    client: PlexTvClient, state: PlexTvFakeState
) -> None:
    pin = await client.create_pin()
    state.approve(pin.code, "alice")
    status = await client.check_pin(pin.id)
    server = find_server(await client.get_resources(ALICE.auth_token), identities.PLEX_MACHINE_ID)
    assert server is not None and status.auth_token is not None
    for shown in (
        repr(status),
        status.model_dump_json(),
        repr(server),
        json.dumps(server.model_dump(mode="json")),
    ):
        assert ALICE.auth_token not in shown and str(ALICE.server_access_token) not in shown


@pytest.fixture
def served() -> Iterator[tuple[PlexTvFakeState, FakeServer]]:
    state = PlexTvFakeState.demo()
    with FakeServer(create_app(state)) as server:
        yield state, server


async def test_real_port_slow_and_stopped(served: tuple[PlexTvFakeState, FakeServer]) -> None:
    state, server = served
    errors: list[IntegrationError] = []
    async with PlexTvClient(
        server.url,
        client_identifier=CLIENT_ID,
        version="1",
        policy=HttpPolicy(timeout=0.2, connect_timeout=0.2, retries=0),
    ) as plextv:
        pin = await plextv.create_pin()
        state.approve(pin.code, "bob")
        status = await plextv.check_pin(pin.id)
        assert status.auth_token is not None
        assert (await plextv.get_account(status.auth_token)).id == BOB.plex_id
        state.faults.slow = 0.6
        with pytest.raises(Unavailable, match="no answer") as slow:
            await plextv.get_account(BOB.auth_token)
        errors.append(slow.value)
        state.faults.slow = 0.0
        server.stop()
        with pytest.raises(Unavailable, match="cannot connect") as stopped:
            await plextv.get_account(BOB.auth_token)
        errors.append(stopped.value)
    assert all(BOB.auth_token not in f"{e} {e!r}" for e in errors)
