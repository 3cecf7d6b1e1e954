"""Signing in through the (fake) Plex page in a popup, as in the demo."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from medianest.config import Settings
from tests.e2e.conftest import screenshot
from tests.support.servers import running_app


def test_sign_in_with_plex_through_the_popup(settings: Settings, page: Page) -> None:
    with running_app(settings) as server:
        page.goto(server.url + "/")
        expect(page).to_have_url(server.url + "/signin?next=%2F")
        screenshot(page, "signin-dark")
        with page.expect_popup() as popup_info:
            page.get_by_role("link", name="Sign in with Plex").click()
        popup = popup_info.value
        popup.wait_for_load_state()
        expect(popup.get_by_text("Continue as Alice")).to_be_visible()
        screenshot(popup, "fake-plex-auth-page")
        popup.get_by_text("Continue as Alice").click()
        page.wait_for_url(server.url + "/", timeout=15_000)
        expect(page.locator(".user-menu summary")).to_contain_text("Alice")
        expect(page.locator(".nav-link", has_text="Admin")).to_have_count(0)  # a user, not an admin
        screenshot(page, "dashboard-as-alice")
    assert page.console_errors == []  # type: ignore[attr-defined]


def test_account_without_access_sees_who_to_ask(settings: Settings, page: Page) -> None:
    with running_app(settings) as server:
        page.goto(server.url + "/signin")
        with page.expect_popup() as popup_info:
            page.get_by_role("link", name="Sign in with Plex").click()
        popup = popup_info.value
        popup.get_by_text("Continue as Mallory").click()
        status = page.locator("#plex-status")
        expect(status).to_contain_text("cannot see this Plex server", timeout=15_000)
        expect(page.get_by_role("link", name="Sign in with Plex")).to_be_visible()
        screenshot(page, "signin-no-access")


def test_closing_the_plex_window_says_so_and_offers_a_new_try(
    settings: Settings, page: Page
) -> None:
    with running_app(settings) as server:
        page.goto(server.url + "/signin")
        with page.expect_popup() as popup_info:
            page.get_by_role("link", name="Sign in with Plex").click()
        popup = popup_info.value
        expect(page.locator("#plex-status")).to_contain_text("Approve MediaNest in the Plex")
        popup.close()
        status = page.locator("#plex-status")
        expect(status).to_contain_text("closed before you approved", timeout=15_000)
        expect(page.get_by_role("link", name="Sign in with Plex")).to_be_visible()
        with page.expect_popup() as again:
            page.get_by_role("link", name="Sign in with Plex").click()
        again.value.get_by_text("Continue as Alice").click()
        page.wait_for_url(server.url + "/", timeout=15_000)
    assert page.console_errors == []  # type: ignore[attr-defined]
