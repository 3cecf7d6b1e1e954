"""Live updates in a browser: a page whose access ends (signed out elsewhere) reloads by itself
onto the sign-in page instead of staying open with stale data."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from medianest.config import Settings
from tests.e2e.conftest import screenshot, sign_in_as_admin
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
