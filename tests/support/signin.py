"""Signing in the way a browser does it: through the real pages and the fake plex.tv."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import httpx

from medianest.integrations.plextv.fake import PlexTvFakeState

CSRF_IN_FORM = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_from(html: str) -> str:
    found = CSRF_IN_FORM.search(html)
    assert found, "page has no CSRF token"
    return found.group(1)


async def csrf_token(client: httpx.AsyncClient, page: str = "/signin") -> str:
    return csrf_from((await client.get(page)).text)


def pin_code(auth_url: str) -> str:
    fragment = urlsplit(auth_url).fragment.lstrip("!?")
    return parse_qs(fragment)["code"][0]


@dataclass
class PlexAttempt:
    pin_id: int
    code: str
    auth_url: str


async def start_plex(client: httpx.AsyncClient) -> PlexAttempt:
    token = await csrf_token(client)
    response = await client.post("/auth/plex/pin", headers={"X-CSRF-Token": token})
    assert response.status_code == 200, response.text
    body = response.json()
    return PlexAttempt(body["id"], pin_code(body["auth_url"]), body["auth_url"])


async def sign_in_with_plex(
    client: httpx.AsyncClient, plextv: PlexTvFakeState, username: str
) -> httpx.Response:
    """Starts a PIN, approves it as ``username`` at the fake plex.tv, polls once."""
    attempt = await start_plex(client)
    plextv.approve(attempt.code, username)
    return await client.get(f"/auth/plex/pin/{attempt.pin_id}")


async def sign_in_local(client: httpx.AsyncClient, username: str, password: str) -> httpx.Response:
    token = await csrf_token(client)
    return await client.post(
        "/signin/local", data={"username": username, "password": password, "csrf_token": token}
    )
