"""Keyboard-only use of the main flows: sign in, approve a newcomer, request, download.

Only Tab, Enter, Space, Escape and typing on MediaNest's own pages (the fake Plex page in the
popup stands for plex.tv, which is not ours). Focus must be visible on every control reached.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from medianest.config import Settings
from medianest.demo.world import DemoWorld
from tests.conftest import ADMIN_PASSWORD
from tests.e2e.conftest import screenshot, sign_in_with_plex_popup, tab_to
from tests.support.servers import running_app

OUTLINE = "el => getComputedStyle(el).outlineStyle"


@pytest.fixture
def settings_overrides(demo: DemoWorld) -> dict[str, object]:
    return {**demo.settings_overrides(), "demo": True}


def _keyboard_sign_in_as_admin(page: Page, base: str) -> None:
    page.goto(base + "/signin")
    local = page.get_by_text("Sign in with a local account")
    tab_to(page, local)
    assert page.evaluate(f"({OUTLINE})(document.activeElement)") != "none"
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    page.keyboard.type("admin")
    page.keyboard.press("Tab")
    page.keyboard.type(ADMIN_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(base + "/")


def test_admin_signs_in_switches_on_approval_and_approves_by_keyboard(
    settings: Settings, browser: Browser, page: Page
) -> None:
    with running_app(settings) as server:
        _keyboard_sign_in_as_admin(page, server.url)

        menu = page.locator("details.user-menu")
        tab_to(page, menu.locator("summary"))
        page.keyboard.press("Enter")
        expect(menu).to_have_attribute("open", "")
        page.keyboard.press("Escape")  # closes the account menu, focus back on its button
        expect(menu).not_to_have_attribute("open", "")
        assert menu.locator("summary").evaluate("el => el === document.activeElement")

        page.goto(server.url + "/admin/settings")
        switch = page.get_by_role("switch", name="New Plex users need approval")
        tab_to(page, switch)
        assert switch.evaluate(OUTLINE) != "none", "a focused checkbox shows no focus"
        page.keyboard.press("Space")
        expect(switch).to_be_checked()
        tab_to(page, page.get_by_role("button", name="Save changes"))
        page.keyboard.press("Enter")
        expect(page.get_by_role("status").first).to_contain_text("Saved")

        newcomer = browser.new_context(color_scheme="dark")
        bob = newcomer.new_page()
        bob.goto(server.url + "/signin")
        with bob.expect_popup() as popup:
            bob.get_by_role("link", name="Sign in with Plex").click()
        popup.value.get_by_text("Continue as Bob").click()
        expect(bob.locator("#plex-status")).to_contain_text("continues by itself")

        page.goto(server.url + "/admin/users")
        approve = page.get_by_role("button", name="Approve bob")
        tab_to(page, approve)
        page.keyboard.press("Enter")
        feedback = page.locator("#users-feedback")
        expect(feedback).to_contain_text("is approved and can sign in now")
        expect(feedback).to_be_focused()
        screenshot(page, "keyboard-approved")
        bob.wait_for_url(server.url + "/", timeout=20_000)  # the waiting page moved on by itself
        expect(bob.locator(".user-menu summary")).to_contain_text("Bob")
        newcomer.close()
    assert page.console_errors == []  # type: ignore[attr-defined]


def test_member_requests_and_downloads_by_keyboard(
    settings: Settings, demo: DemoWorld, page: Page
) -> None:
    with running_app(settings) as server:
        page.goto(server.url + "/signin")
        sign_in_with_plex_popup(page, server.url, "Alice")

        page.goto(server.url + "/requests")
        box = page.locator("#request-q")
        tab_to(page, box)
        page.keyboard.type("the")  # results come as you type, no Enter
        first = page.locator("#request-results .rq-hit").first
        expect(first).to_be_visible()
        expect(box).to_be_focused()  # the box was not replaced under the typing
        request = page.locator("#request-results").get_by_role("link", name="Request", exact=False)
        tab_to(page, request.first)
        page.keyboard.press("Enter")
        dialog = page.locator("#request-dialog")
        expect(dialog).to_be_visible()
        submit = dialog.locator("button[type=submit]")
        tab_to(page, submit)
        page.keyboard.press("Enter")
        expect(dialog).to_contain_text("Requested")
        page.keyboard.press("Escape")
        expect(dialog).to_be_hidden()

        page.goto(server.url + "/downloads")
        address = next(iter(demo.media.urls(demo.url("media")).values()))
        sample = page.locator(".dl-samples").get_by_role("button", name=address)  # no console
        tab_to(page, sample)
        page.keyboard.press("Enter")
        expect(page.get_by_label("Video or playlist URL")).to_have_value(address)
        download = page.get_by_role("button", name="Download")
        tab_to(page, download)
        page.keyboard.press("Enter")
        page.wait_for_url(server.url + "/downloads?done=started")
        expect(page.locator(".dl-job").first).to_be_visible()
        screenshot(page, "keyboard-download-started")
    assert page.console_errors == []  # type: ignore[attr-defined]
