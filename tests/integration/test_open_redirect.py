"""Every "next" after sign-in stays on this site, judged by where a browser would really go."""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

import httpx
import pytest

from medianest.domain.links import local_path
from tests.conftest import PlexWorld
from tests.support.signin import ADMIN_PASSWORD, csrf_token, start_plex

# What browsers strip before parsing (tab, CR, LF anywhere; C0 controls and spaces at the ends),
# plus the backslash they read like a slash.
HOSTILE_NEXT = [
    "/\t/evil.example/",
    "/\n/evil.example/",
    "/\r/evil.example/",
    "/\r\n/evil.example/",
    "\t//evil.example/",
    " //evil.example/",
    "/\\evil.example/",
    "//evil.example/",
    "https://evil.example/",
    "/\t\\evil.example/",
    "javascript:alert(1)",
]


def browser_target(value: str) -> str:
    """The URL a WHATWG browser navigates to from ``value`` on this site (scheme-relative part)."""
    cleaned = value.strip("".join(chr(c) for c in range(0x21)))
    cleaned = "".join(ch for ch in cleaned if ch not in "\t\r\n").replace("\\", "/")
    return urljoin("http://testserver/", cleaned)


@pytest.mark.parametrize("value", HOSTILE_NEXT)
def test_the_shared_check_refuses_what_a_browser_would_take_off_site(value: str) -> None:
    assert urlsplit(browser_target(value)).netloc != "testserver"  # the case is really hostile
    assert local_path(value) is None


@pytest.mark.parametrize("value", ["/\x00/x", "/a\x1fb", "/a\x7f", "/a "])
def test_controls_are_refused_rather_than_guessed(value: str) -> None:
    assert local_path(value) is None


@pytest.mark.parametrize("value", ["/requests", "/library/12?tab=all", "/docs/faq#sign-in"])
def test_local_pages_stay_allowed(value: str) -> None:
    assert local_path(value) == value


@pytest.mark.parametrize("value", HOSTILE_NEXT)
async def test_plex_sign_in_returns_home_for_a_hostile_next(
    client: httpx.AsyncClient, plex_world: PlexWorld, value: str
) -> None:
    attempt = await start_plex(client)
    plex_world.plextv.approve(attempt.code, "alice")
    answer = await client.get(f"/auth/plex/pin/{attempt.pin_id}", params={"next": value})
    assert answer.json()["status"] == "signed_in"
    assert answer.json()["redirect"] == "/"


async def test_plex_sign_in_keeps_a_local_next(
    client: httpx.AsyncClient, plex_world: PlexWorld
) -> None:
    attempt = await start_plex(client)
    plex_world.plextv.approve(attempt.code, "alice")
    answer = await client.get(f"/auth/plex/pin/{attempt.pin_id}", params={"next": "/requests"})
    assert answer.json()["redirect"] == "/requests"


@pytest.mark.parametrize("value", HOSTILE_NEXT)
async def test_local_sign_in_redirects_home_for_a_hostile_next(
    client: httpx.AsyncClient, value: str
) -> None:
    token = await csrf_token(client)
    form = {"username": "admin", "password": ADMIN_PASSWORD, "csrf_token": token, "next": value}
    answer = await client.post("/signin/local", data=form)
    assert answer.status_code == 303
    assert answer.headers["location"] in ("/", "/account/password")
    again = await client.get("/signin", params={"next": value})
    assert again.headers["location"] == "/"


@pytest.mark.parametrize("value", HOSTILE_NEXT)
async def test_sign_in_page_never_hands_a_hostile_next_to_its_script(
    client: httpx.AsyncClient, value: str
) -> None:
    page = (await client.get("/signin", params={"next": value})).text
    assert 'data-next="/"' in page
