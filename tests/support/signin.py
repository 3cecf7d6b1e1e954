"""Signing in the way a browser does it: through the real pages and the fake plex.tv."""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import httpx

from medianest.integrations.plextv.fake import PlexTvFakeState

CSRF_IN_FORM = re.compile(r'name="csrf_token" value="([^"]+)"')
CSRF_HEADER = "X-CSRF-Token"
ADMIN_PASSWORD = "correct-horse-battery-staple"

Login = Callable[[str], Awaitable[httpx.AsyncClient]]


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


async def sign_in_admin(client: httpx.AsyncClient) -> httpx.AsyncClient:
    """Signs ``client`` in as the local admin (the suite's ``ADMIN_PASSWORD``)."""
    response = await sign_in_local(client, "admin", ADMIN_PASSWORD)
    assert response.status_code == 303, response.text
    return client


@asynccontextmanager
async def admin_client(
    base_url: str = "http://testserver", transport: httpx.AsyncBaseTransport | None = None
) -> AsyncIterator[httpx.AsyncClient]:
    """A client signed in as the local admin, for an app the ``login`` fixture does not serve."""
    async with httpx.AsyncClient(base_url=base_url, transport=transport, timeout=10) as http:
        yield await sign_in_admin(http)


async def send_csrf(client: httpx.AsyncClient, page: str = "/account") -> httpx.AsyncClient:
    """Makes the client send its CSRF header on every call from now on. The token is the keyed
    digest of the browser cookie, which never changes, so it is read from ``page`` only once."""
    if CSRF_HEADER not in client.headers:
        client.headers[CSRF_HEADER] = await csrf_token(client, page)
    return client


async def api_client(login: Login, who: str) -> httpx.AsyncClient:
    """``await login(who)`` that also sends the CSRF header (cookie-authenticated API calls)."""
    return await send_csrf(await login(who))


@contextmanager
def one_time_password_from_log() -> Iterator[Callable[[], str]]:
    """Reads the generated admin password from the log line a fresh install writes (the only
    place an operator finds it); call the yielded function once the app has started."""
    lines: list[str] = []

    class Catch(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if "one-time password " in record.getMessage():
                lines.append(record.getMessage())

    handler = Catch(logging.WARNING)
    logging.getLogger().addHandler(handler)
    try:
        yield lambda: lines[-1].split("one-time password ")[1].split(" ")[0]
    finally:
        logging.getLogger().removeHandler(handler)


async def new_api_token(client: httpx.AsyncClient, name: str = "script") -> str:
    """Creates a personal API token on the account page and reads the secret shown once."""
    token = await csrf_token(client, "/account")
    created = await client.post(
        "/account/tokens", data={"csrf_token": token, "name": name}, follow_redirects=True
    )
    assert created.status_code == 200, created.text
    return created.text.split('class="token-value" id="new-token">')[1].split("<")[0]
