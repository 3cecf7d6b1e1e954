"""Live updates in a browser: a page whose access ends (signed out elsewhere) reloads by itself
onto the sign-in page; a status change swaps its card in place without fetching the board."""

from __future__ import annotations

import asyncio
from pathlib import Path

from playwright.sync_api import Page, expect

from medianest.config import Settings
from tests.conftest import make_settings
from tests.e2e.conftest import screenshot, sign_in_as_admin
from tests.support.kuma_rig import app_of, coordinator, start_kuma
from tests.support.servers import running_app


def test_signing_out_in_another_tab_sends_open_pages_to_sign_in(
    settings: Settings, page: Page
) -> None:
    with running_app(settings) as server:
        sign_in_as_admin(page, server.url)
        page.goto(server.url + "/downloads")
        expect(page.locator("#live-indicator")).to_have_attribute("data-state", "open")
        other = page.context.new_page()
        other.goto(server.url + "/account")
        other.locator("form[action='/signout/everywhere'] button").click()
        other.wait_for_url("**/signin**")
        expect(page).to_have_url(server.url + "/signin?next=%2Fdownloads", timeout=10_000)
        screenshot(page, "live-signed-out-elsewhere")
        assert not page.console_errors  # type: ignore[attr-defined]


def test_a_status_change_swaps_its_card_without_fetching_the_board(
    tmp_path: Path, database_url: str, page: Page
) -> None:
    kuma = start_kuma(cache=True)
    try:
        settings = make_settings(tmp_path / "data", database_url, **kuma.settings())
        with running_app(settings) as server:
            app = app_of(server)
            loop = app.state.container.runtime.loop
            poll = asyncio.run_coroutine_threadsafe(coordinator(app).poll_once(), loop)
            assert poll.result(timeout=30).ok
            kuma.send_webhooks_to(server.url)
            sign_in_as_admin(page, server.url)
            expect(page.locator("#live-indicator")).to_have_attribute("data-state", "open")
            board_requests: list[str] = []
            page.on(
                "request",
                lambda r: (
                    board_requests.append(r.url)
                    if r.url.split("?")[0].endswith("/dashboard/services")
                    else None
                ),
            )
            card = page.locator(".service-card", has_text="Overseerr")
            expect(card).to_have_attribute("data-status", "up")
            kuma.state.set_status(kuma.monitor_id("Overseerr"), "down", msg="HTTP 502")
            expect(card).to_have_attribute("data-status", "down", timeout=10_000)
            expect(card.locator(".status-badge")).to_contain_text("Down")
            expect(card.locator("time[data-local]")).not_to_contain_text("UTC")  # localized
            assert board_requests == []
            card.locator(".service-open").click()  # the swapped card still opens its dialog
            expect(page.locator("#service-dialog")).to_be_visible()
            screenshot(page, "live-card-swapped")
            assert not page.console_errors  # type: ignore[attr-defined]
    finally:
        kuma.close()
