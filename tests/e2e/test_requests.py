"""Requesting a show in the browser, and watching it become available without a reload.

MediaNest and the fake Overseerr each run on a real port; the fake's webhook agent posts to
MediaNest, whose live stream (SSE) refreshes "My requests".
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from medianest.config import Settings
from medianest.integrations.fakekit import FakeServer
from medianest.integrations.overseerr.fake import OverseerrFakeState, create_app
from medianest.integrations.overseerr.fake_catalog import CatalogItem
from tests.e2e.conftest import screenshot
from tests.support.overseerr_world import SECRET, requests_settings
from tests.support.servers import running_app


@pytest.fixture
def overseerr_fake() -> Iterator[tuple[OverseerrFakeState, FakeServer]]:
    state = OverseerrFakeState.demo(1)
    server = FakeServer(create_app(state)).start()
    yield state, server
    server.stop()


def _two_season_show(state: OverseerrFakeState) -> CatalogItem:
    shows = sorted(state.catalog.shows.values(), key=lambda s: s.tmdb_id)
    return next(
        s
        for s in shows
        if state.media_for("tv", s.tmdb_id) is None
        and len(s.regular_seasons()) == 2
        and s.title.isascii()
        and "<" not in s.title
    )


def _sign_in_as_alice(page: Page, base: str) -> None:
    page.goto(base + "/requests")
    with page.expect_popup() as popup_info:
        page.get_by_role("link", name="Sign in with Plex").click()
    popup_info.value.get_by_text("Continue as Alice").click()
    page.wait_for_url(base + "/requests", timeout=15_000)


def test_request_a_show_and_see_it_become_available_live(
    tmp_path: Path,
    database_url: str,
    overseerr_fake: tuple[OverseerrFakeState, FakeServer],
    page: Page,
) -> None:
    state, fake = overseerr_fake
    settings: Settings = requests_settings(
        tmp_path / "data",
        database_url,
        overseerr_url=fake.url,
        tmdb_image_url=f"{fake.url}/__fake__/tmdb/t/p",
        requests_timeout_seconds=8.0,
    )
    show = _two_season_show(state)
    with running_app(settings) as server:
        state.configure_webhook(f"{server.url}/api/v1/webhooks/overseerr", SECRET)
        _sign_in_as_alice(page, server.url)
        expect(page.get_by_role("link", name="Search", exact=True)).to_have_attribute(
            "aria-current", "page"
        )

        # 1: search, 2: Request, 3: Confirm (all seasons by default)
        page.locator("#request-q").fill(show.title)
        page.get_by_role("button", name="Search", exact=True).click()
        card = page.locator(f"#hit-tv-{show.tmdb_id}")
        expect(card).to_be_visible()
        expect(card.locator("img")).to_have_js_property("complete", True)
        screenshot(page, "requests-search")
        card.get_by_role("link", name=f"Request {show.title}").click()
        dialog = page.locator("#request-dialog")
        expect(dialog).to_be_visible()
        expect(dialog.get_by_text("All seasons not yet in Plex or requested (2)")).to_be_visible()
        expect(dialog.locator("img")).to_have_js_property("complete", True)
        screenshot(page, "requests-dialog")
        dialog.get_by_role("button", name="Confirm request").click()
        expect(dialog.get_by_role("heading", name="Requested")).to_be_visible()
        expect(dialog.get_by_text("Seasons 1, 2")).to_be_visible()
        dialog.get_by_role("button", name="Done").click()
        expect(dialog).to_be_hidden()
        expect(card).to_contain_text("You requested it · Pending approval")
        assert not card.get_by_role("link", name=f"Request {show.title}").is_visible()

        page.get_by_role("link", name="My requests").click()
        row = page.locator(".rq-row", has_text=show.title)
        expect(row.locator(".rq-status")).to_have_text("Pending approval")
        expect(page.locator("#live-indicator")).to_have_attribute("data-state", "open")
        remote = max(state.requests)
        assert sorted(s.season_number for s in state.requests[remote].seasons) == [1, 2]

        # Toasts fade after a few seconds: remember every one shown from now on.
        page.evaluate(
            """() => { window.seenToasts = [];
              new MutationObserver((changes) => changes.forEach((c) => c.addedNodes.forEach(
                (n) => window.seenToasts.push(n.textContent)))).observe(
                document.getElementById("toasts"), { childList: true }); }"""
        )
        # The scenario switch: an admin approves, Sonarr delivers both seasons.
        moved = httpx.post(
            f"{fake.url}/__fake__/requests/{remote}/advance", json={"to": "available"}, timeout=5
        )
        assert moved.status_code == 200, moved.text
        expect(row.locator(".rq-status")).to_have_text("Available", timeout=10_000)
        # A toast about it appeared live (the bell's, from the notification event) ...
        page.wait_for_function(
            "(title) => window.seenToasts.some((t) => t.includes(title))", arg=show.title
        )
        screenshot(page, "requests-mine-available")

        # ... and the inbox has the news that matters most.
        page.goto(server.url + "/inbox")
        expect(
            page.get_by_role("link", name=f"“{show.title}” is now available in Plex.")
        ).to_be_visible()
        page.goto(server.url + "/requests/mine")
        page.set_viewport_size({"width": 320, "height": 720})
        expect(page.locator(".rq-row", has_text=show.title)).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 320
        screenshot(page, "requests-mine-320")
        page.goto(f"{server.url}/requests?q={show.title}")
        expect(page.locator(f"#hit-tv-{show.tmdb_id}")).to_contain_text("Available in Plex")
        assert page.evaluate("document.documentElement.scrollWidth") <= 320
        screenshot(page, "requests-search-320")
        movie = next(
            m
            for m in sorted(state.catalog.movies.values(), key=lambda m: m.tmdb_id)
            if state.media_for("movie", m.tmdb_id) is None
            and m.title.isascii()
            and "<" not in m.title
        )
        page.locator("#request-q").fill(movie.title)
        page.get_by_role("button", name="Search", exact=True).click()
        page.get_by_role("link", name=f"Request {movie.title}").click()
        expect(page.locator("#request-dialog")).to_be_visible()
        expect(page.locator("#request-dialog img")).to_have_js_property("complete", True)
        screenshot(page, "requests-dialog-320")
    assert page.console_errors == []  # type: ignore[attr-defined]


def test_admin_filters_all_requests_in_the_light_theme(
    tmp_path: Path,
    database_url: str,
    overseerr_fake: tuple[OverseerrFakeState, FakeServer],
    page: Page,
) -> None:
    state, fake = overseerr_fake
    settings = requests_settings(
        tmp_path / "data",
        database_url,
        overseerr_url=fake.url,
        tmdb_image_url=f"{fake.url}/__fake__/tmdb/t/p",
    )
    show = _two_season_show(state)
    with running_app(settings) as server:
        page.goto(server.url + "/signin")
        with page.expect_popup() as popup_info:
            page.get_by_role("link", name="Sign in with Plex").click()
        popup_info.value.get_by_text("Continue as Nest Owner").click()
        page.wait_for_url(server.url + "/", timeout=15_000)
        page.goto(f"{server.url}/requests/new/tv/{show.tmdb_id}")  # without JavaScript's dialog
        page.get_by_role("button", name="Confirm request").click()
        page.wait_for_url(f"{server.url}/requests/mine?created=*")
        page.get_by_role("link", name="All requests").click()
        page.locator("#theme-toggle").click()
        expect(page.locator("html")).to_have_attribute("data-theme", "light")
        page.get_by_label("Status").select_option("processing")
        page.get_by_role("button", name="Filter").click()
        expect(page.locator(".rq-row", has_text=show.title)).to_contain_text("Nest Owner")
        screenshot(page, "requests-all-light")
        page.set_viewport_size({"width": 320, "height": 720})
        assert page.evaluate("document.documentElement.scrollWidth") <= 320
        screenshot(page, "requests-all-light-320")
    assert page.console_errors == []  # type: ignore[attr-defined]
