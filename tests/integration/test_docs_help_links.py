"""Error states elsewhere link to the FAQ entry that explains them."""

from __future__ import annotations

import pytest
from fastapi import FastAPI

from tests.conftest import Login, PlexWorld
from tests.support.downloads import (
    MediaHost,
    api_post,
    download_overrides,
    start,
)
from tests.support.kuma_rig import coordinator
from tests.support.signin import csrf_token


@pytest.fixture
def settings_overrides(
    media_host: MediaHost, plex_world: PlexWorld, request: pytest.FixtureRequest
) -> dict[str, object]:
    if "kuma_down" in request.fixturenames:
        # Nothing listens on port 9 of this machine: Kuma never answers.
        return {"uptime_kuma_url": "http://127.0.0.1:9", "uptime_kuma_slug": "home"}
    return download_overrides(media_host, plex_world, download_jobs_per_hour=1)


@pytest.fixture
def kuma_down() -> bool:
    """A test asking for this gets an Uptime Kuma that never answers (``settings_overrides``)."""
    return True


async def test_the_kuma_not_answering_notice_links_to_the_faq(
    app: FastAPI, login: Login, kuma_down: bool
) -> None:
    assert not (await coordinator(app).poll_once()).ok
    alice = await login("alice")
    page = await alice.get("/")
    assert "Uptime Kuma is not answering" in page.text
    assert 'href="/docs/faq#service-down"' in page.text
    faq = await alice.get("/docs/faq")
    assert 'id="service-down"' in faq.text and "up to\n<strong>5 minutes</strong>" in faq.text


async def test_a_download_rate_limit_links_to_the_faq_on_the_page_and_in_the_api(
    login: Login, media_host: MediaHost
) -> None:
    alice = await login("alice")
    token = await csrf_token(alice, "/downloads")
    refused = await alice.post(
        "/downloads", data={"csrf_token": token, "url": "https://vimeo.com/1", "quality": "best"}
    )
    assert refused.status_code == 422
    assert 'href="/docs/faq#download-failed"' in refused.text
    await start(alice, media_host.watch("single-sunrise"), "480p")
    page = await alice.post(
        "/downloads",
        data={"csrf_token": token, "url": media_host.watch("single-sunrise"), "quality": "480p"},
    )
    assert page.status_code == 429
    assert "downloads per hour" in page.text
    assert 'href="/docs/faq#rate-limit"' in page.text
    over = await api_post(alice, "/api/v1/downloads", {"url": media_host.watch("single-sunrise")})
    assert over.status_code == 429
    assert over.json()["help"] == "/docs/faq#rate-limit"
