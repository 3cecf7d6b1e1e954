"""The dashboard and the inbox in a browser: cards, the detail dialog, a live change from Kuma's
webhook (card, bell and toast without a reload), quick links, and the phone layout."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from medianest.config import Settings
from tests.e2e.conftest import screenshot, sign_in_as_admin
from tests.support.kuma_rig import KumaRig, app_of, coordinator, start_kuma
from tests.support.servers import running_app


@pytest.fixture
def kuma() -> Iterator[KumaRig]:
    rig = start_kuma(cache=True)
    yield rig
    rig.close()


@pytest.fixture
def settings_overrides(kuma: KumaRig) -> dict[str, object]:
    return kuma.settings()


def test_dashboard_and_inbox_live(settings: Settings, kuma: KumaRig, page: Page) -> None:
    with running_app(settings) as server:
        app = app_of(server)
        loop = app.state.container.runtime.loop
        poll = asyncio.run_coroutine_threadsafe(coordinator(app).poll_once(), loop)
        assert poll.result(timeout=30).ok
        kuma.send_webhooks_to(server.url)
        sign_in_as_admin(page, server.url)

        page.goto(server.url + "/admin/links")
        page.get_by_label("Title").fill("Plex Web")
        page.get_by_label("Address").fill("https://app.plex.tv/desktop")
        page.locator(".icon-option", has=page.locator("input[value='plex']")).click()
        page.get_by_label("Grey out while this service is down").select_option(label="Plex")
        page.get_by_role("button", name="Add link").click()
        expect(page.locator(".admin-link-list")).to_contain_text("Plex Web")
        page.goto(server.url + "/")

        cards = page.locator(".service-card")
        expect(cards).to_have_count(7)
        expect(page.locator(".service-card", has_text="Home Assistant")).to_contain_text("Down")
        expect(page.get_by_text("NAS <b>Backups</b> & Snapshots")).to_be_visible()
        expect(page.locator(".incident")).to_contain_text("Home Assistant is unreachable")
        expect(page.locator("#live-indicator")).to_have_attribute("data-state", "open")
        screenshot(page, "dashboard-desktop")

        page.locator(".service-card", has_text="Home Assistant").click()
        dialog = page.locator("#service-dialog")
        expect(dialog).to_be_visible()
        expect(dialog).to_contain_text("Recent changes")
        screenshot(page, "dashboard-dialog")
        dialog.get_by_role("button", name="Close").click()
        expect(dialog).to_be_hidden()

        plex_card = page.locator(".service-card", has_text="Plex")
        expect(plex_card).to_have_attribute("data-status", "up")
        kuma.state.set_status(kuma.monitor_id("Plex"), "down", msg="connect ECONNREFUSED")
        expect(plex_card).to_have_attribute("data-status", "down", timeout=10_000)
        expect(plex_card).to_contain_text("Down")
        expect(page.locator(".quick-link")).to_have_class("quick-link is-down")
        expect(page.locator(".toast")).to_contain_text("Plex is down")
        expect(page.locator("#bell .bell-count")).to_have_text("1")
        screenshot(page, "dashboard-live-change")

        page.set_viewport_size({"width": 320, "height": 700})
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 320, f"the dashboard scrolls sideways at 320px ({width}px wide)"
        screenshot(page, "dashboard-phone")

        page.locator("#bell a").click()
        expect(page).to_have_url(server.url + "/inbox")
        expect(page.locator(".inbox-item.unread")).to_contain_text("Plex is down")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 320, f"the inbox scrolls sideways at 320px ({width}px wide)"
        screenshot(page, "inbox-phone")
        page.set_viewport_size({"width": 1280, "height": 800})
        page.get_by_role("button", name="Mark all read").click()
        expect(page.get_by_text("Everything is marked as read.")).to_be_visible()
        expect(page.locator("#bell .bell-count")).to_have_count(0)
        screenshot(page, "inbox-desktop")
    assert page.console_errors == []  # type: ignore[attr-defined]


def test_kuma_notices_read_well_at_both_widths_and_themes(
    settings: Settings, kuma: KumaRig, page: Page
) -> None:
    slug = "medianest"
    kuma.state.add_maintenance(
        slug, "Disk swap", "Replacing **disk 2** tonight; see the list:\n\n- Plex\n- Backups"
    )
    with running_app(settings) as server:
        app = app_of(server)
        loop = app.state.container.runtime.loop
        poll = asyncio.run_coroutine_threadsafe(coordinator(app).poll_once(), loop)
        assert poll.result(timeout=30).ok
        sign_in_as_admin(page, server.url)
        page.goto(server.url + "/")
        maintenance = page.locator(".maintenance")
        expect(maintenance).to_contain_text("Maintenance: Disk swap")
        expect(maintenance.locator("strong", has_text="disk 2")).to_be_visible()
        for theme in ("dark", "light"):
            for width in (1280, 375):
                page.set_viewport_size({"width": width, "height": 900})
                page.evaluate(f"document.documentElement.dataset.theme = '{theme}'")
                screenshot(page, f"dashboard-notices-{width}-{theme}")
        page.set_viewport_size({"width": 1280, "height": 800})


def test_history_bar_hours_are_in_the_viewers_time_zone(
    settings: Settings, kuma: KumaRig, browser: Browser
) -> None:
    context = browser.new_context(
        viewport={"width": 1280, "height": 800}, timezone_id="Asia/Kolkata"
    )
    page = context.new_page()
    try:
        with running_app(settings) as server:
            app = app_of(server)
            loop = app.state.container.runtime.loop
            poll = asyncio.run_coroutine_threadsafe(coordinator(app).poll_once(), loop)
            assert poll.result(timeout=30).ok
            sign_in_as_admin(page, server.url)
            page.goto(server.url + "/")
            slot = page.locator(".service-card .history-bar .slot").first
            # Hours start on the hour in UTC, so at half past in India (UTC+5:30).
            expect(slot).to_have_attribute("title", re.compile(r"^[^U]*:30[^U]*: "))
    finally:
        context.close()
