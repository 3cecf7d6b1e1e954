"""The YouTube page in a browser: paste a playlist, confirm, watch the progress bars fill."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import Page, expect

from medianest.config import Settings
from tests.conftest import PlexWorld
from tests.e2e.conftest import screenshot
from tests.support.downloads import (
    MediaHost,
    download_overrides,
)
from tests.support.servers import running_app


@pytest.fixture
def settings_overrides(media_host: MediaHost, plex_world: PlexWorld) -> dict[str, object]:
    return download_overrides(media_host, plex_world)


def _sign_in_as_alice(page: Page, base: str) -> None:
    page.goto(base + "/downloads")
    with page.expect_popup() as popup_info:
        page.get_by_role("link", name="Sign in with Plex").click()
    popup_info.value.get_by_text("Continue as Alice").click()
    page.wait_for_url(base + "/downloads", timeout=15_000)


def test_submit_a_playlist_and_watch_it_fill(
    settings: Settings, page: Page, media_host: MediaHost
) -> None:
    media_host.state.set_slow(None, 40 * 1024)  # every video, so the bars move visibly
    with running_app(settings, start_worker=True) as server:
        _sign_in_as_alice(page, server.url)
        expect(page.get_by_text("No downloads yet")).to_be_visible()
        page.get_by_label("Video or playlist URL").fill(media_host.rss("synthwave-study-mix"))
        page.get_by_label("Quality").select_option("480p")
        page.get_by_role("button", name="Check").click()
        preview = page.locator(".dl-preview")
        expect(preview).to_contain_text("Synthwave Study Mix")
        expect(preview).to_contain_text("Playlist · 3 videos")
        expect(preview.locator("img.dl-thumb")).to_have_js_property("naturalWidth", 320)
        screenshot(page, "downloads-confirm")
        page.get_by_role("button", name="Download").click()
        page.wait_for_url(server.url + "/downloads?done=started")

        card = page.locator(".dl-job").first
        overall = card.locator('[data-field="overall"]')
        seen: list[float] = []
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            seen.append(float(overall.evaluate("el => el.value")))
            if len({v for v in seen if 0 < v < 100}) >= 2 and len(seen) > 3:
                break
            page.wait_for_timeout(150)
        moving = [v for v in seen if 0 < v < 100]
        assert len(set(moving)) >= 2, seen  # filled in steps, live, without a reload
        assert moving == sorted(moving)
        expect(card.locator('[data-field="state"]')).not_to_have_text("Queued")  # it is moving
        screenshot(page, "downloads-progress")

        expect(card.locator('[data-field="state"]')).to_have_text("Completed", timeout=40_000)
        expect(card).to_contain_text("In Plex as the collection")
        link = card.get_by_role("link", name="Synthwave Study Mix")
        assert (link.get_attribute("href") or "").startswith("/library/collections/")
        screenshot(page, "downloads-done")
        page.set_viewport_size({"width": 320, "height": 740})
        page.reload()
        expect(page.locator(".dl-job").first).to_be_visible()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 320, width  # nothing sticks out sideways on a phone
        screenshot(page, "downloads-mobile")
    assert page.console_errors == []  # type: ignore[attr-defined]
