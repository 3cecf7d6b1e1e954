"""Contract tests: the fake plex.tv behaves like plex.tv where MediaNest's client relies on it.

Reference: ``docs/protocols/plextv.md`` and the community OpenAPI in ``tests/reference/plex/``
(see ``_spec.py``).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import datetime
from html.parser import HTMLParser
from typing import Any
from xml.etree import ElementTree as ET

import httpx
import pytest

from medianest.demo import identities
from medianest.demo.identities import ALICE, BOB, MALLORY, OWNER
from medianest.integrations.fakekit import FakeServer
from medianest.integrations.plextv.fake import PlexTvFakeState, create_app
from tests.contract._spec import (
    assert_valid,
    auth_pin_validator,
    component_validator,
    plex_spec,
    response_validator,
)
from tests.support.wire import Clock

BASE = "https://plex.tv"
CLIENT_ID = "medianest-test-client"
PLEX_HEADERS = {"X-Plex-Client-Identifier": CLIENT_ID, "X-Plex-Product": "MediaNest"}
JSON = {**PLEX_HEADERS, "Accept": "application/json"}
PIN_NOT_FOUND = {"errors": [{"code": 1020, "message": "Code not found or expired", "status": 404}]}
UNAUTHORIZED = {
    "errors": [{"code": 1001, "message": "User could not be authenticated", "status": 401}]
}
MISSING_CLIENT_ID = {
    "errors": [{"code": 1000, "message": "X-Plex-Client-Identifier is missing", "status": 400}]
}


NOW = 1_750_000_000.0


@pytest.fixture
def clock() -> Clock:
    return Clock(now=NOW)


@pytest.fixture
def state(clock: Clock) -> PlexTvFakeState:
    return PlexTvFakeState.demo(seed=1, clock=clock)


@pytest.fixture
async def client(state: PlexTvFakeState) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(state))
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as http:
        yield http


async def create_pin(client: httpx.AsyncClient, strong: str | None = "true") -> dict[str, Any]:
    params = {"strong": strong} if strong is not None else {}
    response = await client.post("/api/v2/pins", params=params, headers=JSON)
    assert response.status_code == 201
    body: dict[str, Any] = response.json()
    return body


def parse_xml(body: bytes) -> ET.Element:
    return ET.fromstring(body)  # noqa: S314 (our own fake's output)


def as_time(value: str) -> datetime:
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", value), value
    return datetime.fromisoformat(value)


# -- PIN creation ------------------------------------------------------------------------------


@pytest.mark.parametrize("flag", ["true", "True", "1", "TRUE"])
async def test_strong_pin_has_long_lowercase_code_and_thirty_minutes(
    client: httpx.AsyncClient, flag: str
) -> None:
    pin = await create_pin(client, flag)
    assert_valid(auth_pin_validator(), pin)
    assert re.fullmatch(r"[a-z0-9]{25}", pin["code"])
    assert pin["expiresIn"] == 1800
    assert (as_time(pin["expiresAt"]) - as_time(pin["createdAt"])).total_seconds() == 1800
    assert pin["authToken"] is None
    assert pin["newRegistration"] is None
    assert pin["clientIdentifier"] == CLIENT_ID
    assert pin["product"] == "MediaNest"


@pytest.mark.parametrize("flag", [None, "false", "0"])
async def test_non_strong_pin_has_four_char_code_and_fifteen_minutes(
    client: httpx.AsyncClient, flag: str | None
) -> None:
    pin = await create_pin(client, flag)
    assert_valid(auth_pin_validator(), pin)
    assert re.fullmatch(r"[A-Z0-9]{4}", pin["code"])
    assert pin["expiresIn"] == 900


async def test_pin_without_client_identifier_is_rejected_like_plex(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post("/api/v2/pins?strong=true", headers={"Accept": "application/json"})
    assert response.status_code == 400
    assert response.json() == MISSING_CLIENT_ID
    assert_valid(response_validator(plex_spec(), "/user", "get", "400"), response.json())


async def test_pin_is_xml_without_accept_json(client: httpx.AsyncClient) -> None:
    """plexapi sends no Accept header and reads only id, code and authToken attributes."""
    response = await client.post("/api/v2/pins", params={"strong": "True"}, headers=PLEX_HEADERS)
    assert response.status_code == 201
    assert response.headers["content-type"].startswith("text/xml")
    root = parse_xml(response.content)
    assert root.tag == "pin"
    assert root.attrib["id"].isdigit()
    assert len(root.attrib["code"]) == 25
    assert root.attrib["authToken"] == ""
    assert root.find("location") is not None


async def test_client_identifier_may_come_as_query_parameter(client: httpx.AsyncClient) -> None:
    """plex.tv accepts every X-Plex-* value as a query parameter (app.plex.tv does that)."""
    response = await client.post(
        "/api/v2/pins",
        params={"strong": "true", "X-Plex-Client-Identifier": "web-1"},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 201
    assert response.json()["clientIdentifier"] == "web-1"


# -- polling and approval ----------------------------------------------------------------------


async def test_pin_yields_token_only_after_approval(
    client: httpx.AsyncClient, state: PlexTvFakeState
) -> None:
    pin = await create_pin(client)
    polled = await client.get(f"/api/v2/pins/{pin['id']}", headers=JSON)
    assert polled.status_code == 200
    assert polled.json()["authToken"] is None

    state.approve(pin["code"], "alice")
    polled = await client.get(f"/api/v2/pins/{pin['id']}", headers=JSON)
    assert polled.status_code == 200
    assert_valid(auth_pin_validator(approved=True), polled.json())
    assert polled.json()["authToken"] == ALICE.auth_token

    xml = await client.get(f"/api/v2/pins/{pin['id']}", headers=PLEX_HEADERS)
    assert parse_xml(xml.content).attrib["authToken"] == ALICE.auth_token

    user = await client.get("/api/v2/user", headers={**JSON, "X-Plex-Token": ALICE.auth_token})
    assert user.json()["username"] == "alice"


async def test_approve_over_http_with_form_or_json(
    client: httpx.AsyncClient, state: PlexTvFakeState
) -> None:
    first, second = await create_pin(client), await create_pin(client)
    by_form = await client.post(f"/__fake__/pins/{first['code']}/approve", data={"account": "bob"})
    by_json = await client.post(
        f"/__fake__/pins/{second['code']}/approve",
        json={"account": "nestowner", "clientID": CLIENT_ID},
    )
    assert by_form.status_code == 200
    assert by_json.status_code == 200
    assert state.pins[first["id"]].auth_token == BOB.auth_token
    assert state.pins[second["id"]].auth_token == OWNER.auth_token


async def test_approve_rejects_unknown_account_and_foreign_client_id(
    client: httpx.AsyncClient,
) -> None:
    pin = await create_pin(client)
    url = f"/__fake__/pins/{pin['code']}/approve"
    assert (await client.post(url, json={"account": "nobody"})).status_code == 404
    wrong_client = await client.post(url, json={"account": "alice", "clientID": "other"})
    assert wrong_client.status_code == 404
    assert (await client.post(url, json={})).status_code == 400


async def test_pin_polled_by_another_client_reveals_nothing(
    client: httpx.AsyncClient, state: PlexTvFakeState
) -> None:
    pin = await create_pin(client)
    state.approve(pin["id"], "alice")
    other = {**JSON, "X-Plex-Client-Identifier": "someone-else"}
    response = await client.get(f"/api/v2/pins/{pin['id']}", headers=other)
    assert response.status_code == 404
    assert response.json() == PIN_NOT_FOUND
    assert ALICE.auth_token not in response.text


async def test_poll_without_client_identifier_is_400(client: httpx.AsyncClient) -> None:
    pin = await create_pin(client)
    response = await client.get(f"/api/v2/pins/{pin['id']}", headers={"Accept": "application/json"})
    assert response.status_code == 400
    assert response.json() == MISSING_CLIENT_ID


async def test_pin_expires_on_the_state_clock(client: httpx.AsyncClient, clock: Clock) -> None:
    short, strong = await create_pin(client, None), await create_pin(client, "true")
    clock.advance(600)
    polled = await client.get(f"/api/v2/pins/{short['id']}", headers=JSON)
    assert polled.json()["expiresIn"] == 300  # counts down, like the real 876 of 900

    clock.advance(300)
    gone = await client.get(f"/api/v2/pins/{short['id']}", headers=JSON)
    assert gone.status_code == 404
    assert gone.json() == PIN_NOT_FOUND
    alive = await client.get(f"/api/v2/pins/{strong['id']}", headers=JSON)
    assert alive.status_code == 200
    assert alive.json()["expiresIn"] == 900

    clock.advance(900)
    assert (await client.get(f"/api/v2/pins/{strong['id']}", headers=JSON)).status_code == 404


@pytest.mark.parametrize("pin_id", ["999", "not-a-number"])
async def test_unknown_pin_is_404_1020(client: httpx.AsyncClient, pin_id: str) -> None:
    response = await client.get(f"/api/v2/pins/{pin_id}", headers=JSON)
    assert response.status_code == 404
    assert response.json() == PIN_NOT_FOUND


async def test_expired_or_denied_pin_is_404_and_cannot_be_approved(
    client: httpx.AsyncClient, state: PlexTvFakeState
) -> None:
    expired, denied = await create_pin(client), await create_pin(client)
    state.expire_pin(expired["id"])
    deny = await client.post(f"/__fake__/pins/{denied['code']}/deny", json={"clientID": CLIENT_ID})
    assert deny.status_code == 200
    for pin in (expired, denied):
        polled = await client.get(f"/api/v2/pins/{pin['id']}", headers=JSON)
        assert polled.status_code == 404
        approve = await client.post(
            f"/__fake__/pins/{pin['code']}/approve", json={"account": "bob"}
        )
        assert approve.status_code == 404


async def test_rate_limited_polling_answers_429_with_retry_after(
    client: httpx.AsyncClient, state: PlexTvFakeState
) -> None:
    pin = await create_pin(client)
    state.rate_limited, state.retry_after = True, 7
    response = await client.get(f"/api/v2/pins/{pin['id']}", headers=JSON)
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "7"
    state.rate_limited = False
    assert (await client.get(f"/api/v2/pins/{pin['id']}", headers=JSON)).status_code == 200


async def test_sign_in_again_after_revocation_issues_a_new_token(
    client: httpx.AsyncClient, state: PlexTvFakeState
) -> None:
    state.revoke_token(ALICE.auth_token)
    pin = await create_pin(client)
    state.approve(pin["code"], "alice")
    token = state.pins[pin["id"]].auth_token
    assert token
    assert token != ALICE.auth_token
    user = await client.get("/api/v2/user", headers={**JSON, "X-Plex-Token": token})
    assert user.status_code == 200
    assert user.json()["id"] == ALICE.plex_id


# -- the account -------------------------------------------------------------------------------


@pytest.mark.parametrize("account", identities.ACCOUNTS, ids=lambda a: a.username)
async def test_user_json_matches_spec_schema(
    client: httpx.AsyncClient, account: identities.DemoAccount
) -> None:
    response = await client.get(
        "/api/v2/user", headers={**JSON, "X-Plex-Token": account.auth_token}
    )
    assert response.status_code == 200
    body = response.json()
    assert_valid(component_validator(plex_spec(), "UserPlexAccount"), body)
    assert (body["id"], body["uuid"], body["username"]) == (
        account.plex_id,
        account.uuid,
        account.username,
    )
    assert body["email"] == (account.email or "")  # required by the spec; Bob has none
    assert body["authToken"] == account.auth_token
    assert body["thumb"].startswith("https://plex.tv/users/")


async def test_user_xml_has_what_plexapi_dereferences(client: httpx.AsyncClient) -> None:
    response = await client.get(
        "/api/v2/user", headers={**PLEX_HEADERS, "X-Plex-Token": OWNER.auth_token}
    )
    root = parse_xml(response.content)
    assert root.tag == "user"
    assert "scrobbleTypes" in root.attrib
    assert root.attrib["id"] == str(OWNER.plex_id)
    assert root.attrib["email"] == OWNER.email
    subscription, profile = root.find("subscription"), root.find("profile")
    assert subscription is not None
    assert subscription.attrib["active"] == "1"
    assert subscription.find("features/feature") is not None
    assert profile is not None
    assert "defaultAudioLanguage" in profile.attrib
    assert [e.attrib["id"] for e in root.iterfind("entitlements/entitlement")] == ["all"]
    assert [e.attrib["id"] for e in root.iterfind("roles/role")] == ["plexpass"]


async def test_token_may_be_a_query_parameter(client: httpx.AsyncClient) -> None:
    response = await client.get(
        "/api/v2/user", params={"X-Plex-Token": BOB.auth_token}, headers=JSON
    )
    assert response.status_code == 200
    assert response.json()["username"] == "bob"


@pytest.mark.parametrize("path", ["/api/v2/user", "/api/v2/resources", "/api/v2/ping"])
async def test_bad_missing_or_revoked_token_is_401(
    client: httpx.AsyncClient, state: PlexTvFakeState, path: str
) -> None:
    validator = response_validator(plex_spec(), "/user", "get", "401")
    state.revoke_token(BOB.auth_token)
    for token in (None, "wrong-token", BOB.auth_token):
        headers = {**JSON, "X-Plex-Token": token} if token else JSON
        response = await client.get(path, headers=headers)
        assert response.status_code == 401, token
        assert response.json() == UNAUTHORIZED
        assert_valid(validator, response.json())
    xml = await client.get(path, headers=PLEX_HEADERS)
    assert xml.status_code == 401
    assert parse_xml(xml.content).find("error") is not None


async def test_revoked_fault_rejects_every_token(
    client: httpx.AsyncClient, state: PlexTvFakeState
) -> None:
    state.faults.revoked = True
    response = await client.get("/api/v2/user", headers={**JSON, "X-Plex-Token": OWNER.auth_token})
    assert response.status_code == 401


async def test_down_fault_takes_the_api_down_but_not_the_sign_in_page(
    client: httpx.AsyncClient, state: PlexTvFakeState
) -> None:
    state.faults.down = True
    api = await client.get("/api/v2/user", headers={**JSON, "X-Plex-Token": OWNER.auth_token})
    assert api.status_code == 503
    assert (await client.get("/auth")).status_code == 200


async def test_older_account_endpoint(client: httpx.AsyncClient) -> None:
    response = await client.get("/users/account.json", headers={"X-Plex-Token": ALICE.auth_token})
    user = response.json()["user"]
    assert (user["id"], user["email"], user["authToken"]) == (
        ALICE.plex_id,
        ALICE.email,
        ALICE.auth_token,
    )
    assert isinstance(user["roles"]["roles"], list)
    assert (await client.get("/users/account.json")).status_code == 401


async def test_thumb_serves_an_image(client: httpx.AsyncClient) -> None:
    response = await client.get(f"/users/{ALICE.uuid}/avatar")
    assert response.status_code == 200
    assert response.content.startswith(b"\x89PNG")


# -- resources and ping ------------------------------------------------------------------------


async def get_resources(client: httpx.AsyncClient, token: str) -> list[dict[str, Any]]:
    params = {"includeHttps": "1", "includeRelay": "1", "includeIPv6": "1"}
    response = await client.get(
        "/api/v2/resources", params=params, headers={**JSON, "X-Plex-Token": token}
    )
    assert response.status_code == 200
    devices: list[dict[str, Any]] = response.json()
    assert_valid(response_validator(plex_spec(), "/resources", "get", "200"), devices)
    return devices


def servers(devices: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [d for d in devices if "server" in d["provides"].split(",")]


async def test_shared_user_sees_server_with_own_access_token(client: httpx.AsyncClient) -> None:
    devices = await get_resources(client, ALICE.auth_token)
    assert any("server" not in d["provides"] for d in devices)  # clients must filter
    (server,) = servers(devices)
    assert server["clientIdentifier"] == identities.PLEX_MACHINE_ID
    assert server["name"] == identities.PLEX_SERVER_NAME
    assert server["accessToken"] == ALICE.server_access_token
    assert (server["owned"], server["ownerId"], server["sourceTitle"]) == (
        False,
        OWNER.plex_id,
        OWNER.username,
    )
    assert server["connections"][0]["uri"] == "http://127.0.0.1:32400"


async def test_owner_sees_owned_server(client: httpx.AsyncClient) -> None:
    (server,) = servers(await get_resources(client, OWNER.auth_token))
    assert (server["owned"], server["ownerId"], server["sourceTitle"]) == (True, None, None)
    assert server["accessToken"] == identities.PLEX_OWNER_TOKEN


async def test_access_follows_grants_and_server_url(
    client: httpx.AsyncClient, state: PlexTvFakeState
) -> None:
    assert servers(await get_resources(client, MALLORY.auth_token)) == []
    state.grant_access("mallory")
    state.revoke_access("alice")
    state.server_url = "http://192.168.1.20:32401"
    (server,) = servers(await get_resources(client, MALLORY.auth_token))
    assert server["accessToken"]
    assert server["accessToken"] != OWNER.auth_token
    conn = server["connections"][0]
    assert (conn["address"], conn["port"], conn["local"]) == ("192.168.1.20", 32401, True)
    assert servers(await get_resources(client, ALICE.auth_token)) == []


async def test_resources_xml_shape_plexapi_iterates(client: httpx.AsyncClient) -> None:
    response = await client.get(
        "/api/v2/resources?includeHttps=1", headers={**PLEX_HEADERS, "X-Plex-Token": BOB.auth_token}
    )
    root = parse_xml(response.content)
    assert root.tag == "MediaContainer"
    server = next(r for r in root.iterfind("resource") if r.attrib["provides"] == "server")
    assert server.attrib["accessToken"] == BOB.server_access_token
    assert server.attrib["owned"] == "0"
    connection = server.find("connections/connection")
    assert connection is not None
    assert connection.attrib["uri"] == "http://127.0.0.1:32400"


async def test_ping_json_and_xml(client: httpx.AsyncClient) -> None:
    headers = {**PLEX_HEADERS, "X-Plex-Token": OWNER.auth_token}
    as_json = await client.get("/api/v2/ping", headers={**headers, "Accept": "application/json"})
    assert as_json.json() == {"pong": True}
    as_xml = await client.get("/api/v2/ping", headers=headers)
    root = parse_xml(as_xml.content)
    assert (root.tag, root.text) == ("pong", "true")


# -- the sign-in page --------------------------------------------------------------------------


class PageAudit(HTMLParser):
    """Collects what a strict CSP would block: inline scripts, handlers, inline styles."""

    def __init__(self) -> None:
        super().__init__()
        self.script_srcs: list[str] = []
        self.inline: list[str] = []
        self.account_buttons: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "script":
            self._in_script = True
            if values.get("src"):
                self.script_srcs.append(values["src"] or "")
            else:
                self.inline.append("script without src")
        if tag == "style" or "style" in values:
            self.inline.append(f"inline style on <{tag}>")
        self.inline.extend(f"{name} on <{tag}>" for name in values if name.startswith("on"))
        if tag == "button" and values.get("data-account"):
            self.account_buttons.append(values["data-account"] or "")

    def handle_endtag(self, tag: str) -> None:
        self._in_script = self._in_script and tag != "script"

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.inline.append("script body")


async def test_auth_page_works_under_strict_csp(client: httpx.AsyncClient) -> None:
    response = await client.get("/auth")
    assert response.status_code == 200
    assert "script-src 'self'" in response.headers["content-security-policy"]
    audit = PageAudit()
    audit.feed(response.text)
    assert audit.inline == []
    assert audit.script_srcs == ["/auth/app.js"]
    assert audit.account_buttons == [a.username for a in identities.ACCOUNTS]
    assert "Continue as Alice" in response.text
    assert ">Deny<" in response.text

    script = await client.get("/auth/app.js")
    assert script.status_code == 200
    assert "javascript" in script.headers["content-type"]
    assert "context[device][product]" in script.text
    assert "/__fake__/pins/" in script.text
    assert (await client.get("/auth/app.css")).headers["content-type"].startswith("text/css")
    assert (await client.get("/auth/")).status_code == 200  # plexapi's "/auth/#!?" form


async def test_auth_page_escapes_account_names(
    client: httpx.AsyncClient, state: PlexTvFakeState
) -> None:
    state.add_account("eve", title='<script>alert("x")</script>')
    page = (await client.get("/auth")).text
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page


# -- determinism and a real port ---------------------------------------------------------------


def test_demo_world_is_deterministic_per_seed() -> None:
    def first_pin(seed: int) -> tuple[int, str]:
        state = PlexTvFakeState.demo(seed=seed, clock=Clock(now=NOW))
        pin = state.create_pin("c", "p", strong=True)
        return pin.id, pin.code

    assert first_pin(1) == first_pin(1)
    assert first_pin(1) != first_pin(2)


def test_full_sign_in_over_a_real_port() -> None:
    state = PlexTvFakeState.demo(seed=3)
    with FakeServer(create_app(state)) as server, httpx.Client(base_url=server.url) as http:
        created = http.post("/api/v2/pins", params={"strong": "true"}, headers=JSON)
        assert created.status_code == 201
        pin = created.json()
        assert pin["qr"].startswith(server.url)  # links point back at the fake itself
        approved = http.post(
            f"/__fake__/pins/{pin['code']}/approve", json={"account": "bob", "clientID": CLIENT_ID}
        )
        assert approved.status_code == 200
        token = http.get(f"/api/v2/pins/{pin['id']}", headers=JSON).json()["authToken"]
        headers = {**JSON, "X-Plex-Token": token}
        assert http.get("/api/v2/user", headers=headers).json()["username"] == "bob"
        devices = http.get("/api/v2/resources", headers=headers).json()
        assert any(d["clientIdentifier"] == identities.PLEX_MACHINE_ID for d in devices)
