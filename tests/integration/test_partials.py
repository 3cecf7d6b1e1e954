"""htmx partials are never answered with a redirect to a full page.

On the default install path (no preset admin password) the local admin must change a one-time
password first; every partial a page can ask for must then leave the page alone or navigate the
whole window, never follow a 303 and swap a whole page into a fragment.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from fastapi.routing import APIRoute

from medianest.app import create_app
from tests.conftest import make_settings
from tests.support.signin import one_time_password_from_log, sign_in_local

BASE = "http://t"


def _plain_get_paths(app: FastAPI) -> list[str]:
    """Every page and fragment route without path parameters (what a partial can ask for)."""
    return sorted(
        route.path
        for route in app.routes
        if isinstance(route, APIRoute)
        and "GET" in route.methods
        and "{" not in route.path
        and not route.path.startswith(("/api/", "/events", "/auth/plex"))
    )


def _partial(current: str) -> dict[str, str]:
    return {"HX-Request": "true", "HX-Current-URL": BASE + current}


@pytest.fixture
async def fresh_install(tmp_path: Path, database_url: str) -> AsyncIterator[tuple[FastAPI, str]]:
    """A new install without MEDIANEST_ADMIN_PASSWORD, and the one-time password it logged."""
    settings = make_settings(tmp_path / "data", database_url, admin_password=None)
    app = create_app(settings)
    with one_time_password_from_log() as password:
        async with LifespanManager(app):
            yield app, password()


async def test_partials_before_the_one_time_password_change_never_get_a_page(
    fresh_install: tuple[FastAPI, str],
) -> None:
    app, password = fresh_install
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as browser:
        assert (await sign_in_local(browser, "admin", password)).status_code == 303
        # The header bell on the password page itself: htmx must leave that page alone.
        bell = await browser.get("/inbox/bell", headers=_partial("/account/password"))
        assert bell.status_code == 204
        assert "location" not in bell.headers and "hx-redirect" not in bell.headers
        assert bell.content == b""
        # From any other page the whole window goes to the password form.
        elsewhere = await browser.get("/inbox/bell", headers=_partial("/docs"))
        assert elsewhere.status_code == 204
        assert elsewhere.headers["hx-redirect"] == "/account/password"
        for path in _plain_get_paths(app):
            answer = await browser.get(path, headers=_partial("/docs"))
            assert not answer.is_redirect, f"{path} redirected a partial: {answer.status_code}"
            assert "<html" not in answer.text.lower(), f"{path} answered a partial with a page"
        # The password page itself still renders, without the bell or the live stream.
        page = await browser.get("/account/password")
        assert page.status_code == 200
        assert 'id="bell"' not in page.text and "sse-connect" not in page.text


async def test_signed_out_partials_navigate_to_sign_in_and_come_back_to_the_page(
    fresh_install: tuple[FastAPI, str],
) -> None:
    app, _ = fresh_install
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as browser:
        bell = await browser.get("/inbox/bell", headers=_partial("/requests?q=dune"))
        assert bell.status_code == 204
        assert bell.headers["hx-redirect"] == "/signin?next=%2Frequests%3Fq%3Ddune"
        for path in _plain_get_paths(app):
            answer = await browser.get(path, headers=_partial("/docs"))
            assert not answer.is_redirect, f"{path} redirected a partial: {answer.status_code}"
        # Full-page navigation still redirects as before.
        assert (await browser.get("/inbox")).headers["location"] == "/signin?next=%2Finbox"
